"""Performance scoring of outsourcing firms: versioned rule sets, their validation and the score maths.

Pure and deterministic: every number is a ``Decimal`` computed in a fixed context and quantised to two
places with ROUND_HALF_UP, weights are apportioned in integer hundredths, and every JSON form sorts its
keys, so the same rule set and the same evidence always give byte-identical results.

Evidence arrives as numbers the database layer has counted (see ``INDICATOR_INPUTS`` and
``FirmEvidence``); nothing here reads the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from types import MappingProxyType
from typing import Any

from portal.core.messages import Message
from portal.core.msgids import N_
from portal.filings import fields as filing_fields

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
# A private context so the caller's decimal settings can never change a score.
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP)

RATED, NOT_RATED = "rated", "not_rated"


class ScoringError(ValueError):
    """Base of every error raised by the scoring core."""


class RuleSetFormatError(ScoringError):
    """The JSON form of a rule set is structurally broken (missing key, wrong type)."""


class InvalidRuleSet(ScoringError):
    """A rule set that fails ``validate_rule_set``; ``problems`` holds the messages."""

    def __init__(self, problems: Sequence[Message]):
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class EvidenceError(ScoringError):
    """Evidence the database layer passed in is impossible (more good than total, unknown code...)."""


# --- closed vocabularies -----------------------------------------------------------------------------

# Indicator kinds: how an indicator turns its input pair into a 0–100 score.
RATIO = "ratio"
THRESHOLD = "threshold"
AVERAGE_RATING = "average_rating"
DEDUCTION_PER_ITEM = "deduction_per_item"

# Input shapes: what the pair (numerator, count) of an evidence input means.
SHAPE_RATIO = "ratio"  # (good, total): 0 <= good <= total
SHAPE_RATING = "rating"  # (sum of ratings, number of ratings)
SHAPE_ITEMS = "items"  # (counted bad items, basis: how many occasions were looked at)

KIND_SHAPES: Mapping[str, str] = MappingProxyType(
    {
        RATIO: SHAPE_RATIO,
        THRESHOLD: SHAPE_RATIO,
        AVERAGE_RATING: SHAPE_RATING,
        DEDUCTION_PER_ITEM: SHAPE_ITEMS,
    }
)
# Every parameter is explicit in a rule set so a frozen rule set says all it did.
KIND_PARAMETERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        RATIO: ("floor", "target"),
        THRESHOLD: ("threshold",),
        AVERAGE_RATING: ("scale_max", "scale_min"),
        DEDUCTION_PER_ITEM: ("cap", "per_item"),
    }
)
PARAMETER_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "floor": N_("score 0 at"),
        "target": N_("score 100 at"),
        "threshold": N_("pass mark"),
        "scale_max": N_("highest rating"),
        "scale_min": N_("lowest rating"),
        "cap": N_("at most"),
        "per_item": N_("points per item"),
    }
)
KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {
        RATIO: N_("Share of good cases"),
        THRESHOLD: N_("Pass mark"),
        AVERAGE_RATING: N_("Average rating"),
        DEDUCTION_PER_ITEM: N_("Deduction per item"),
    }
)


@dataclass(frozen=True)
class EvidenceInput:
    """One number pair the database layer can count for a firm and a period."""

    code: str
    shape: str
    description: str


def _inputs(*items: EvidenceInput) -> Mapping[str, EvidenceInput]:
    return MappingProxyType({i.code: i for i in items})


# Indicator codes a rule set may use; the database layer fills exactly these keys of FirmEvidence.inputs.
INDICATOR_INPUTS: Mapping[str, EvidenceInput] = _inputs(
    EvidenceInput(
        "filing.before_start",
        SHAPE_RATIO,
        N_("Projects whose work started in the period: good = registered before work started."),
    ),
    EvidenceInput(
        "filing.changes_in_time",
        SHAPE_RATIO,
        N_("Change filings in the period: good = filed before the change took effect."),
    ),
    EvidenceInput(
        "filing.completion_in_time",
        SHAPE_RATIO,
        N_("Projects completed in the period: good = completion reported within the time limit."),
    ),
    EvidenceInput(
        "personnel.qualified_staff",
        SHAPE_RATIO,
        N_(
            "Staff assigned to projects in the period: good = labour contract, signed confidentiality "
            "commitment, at least 5 training days and a passed assessment."
        ),
    ),
    EvidenceInput(
        "security.inspection_items",
        SHAPE_RATIO,
        N_("Security items checked in inspections in the period: good = passed."),
    ),
    EvidenceInput(
        "security.site_patrols",
        SHAPE_RATIO,
        N_("Days a site patrol was due on the firm's projects in the period: good = a patrol was recorded "
           "and found everything in order."),
    ),
    EvidenceInput(
        "quality.first_pass_acceptance",
        SHAPE_RATIO,
        N_("Acceptances in the period: good = accepted at the first acceptance."),
    ),
    EvidenceInput(
        "quality.sampling_pass", SHAPE_RATIO, N_("Units sampled at acceptance in the period: good = passed.")
    ),
    EvidenceInput(
        "quality.rework",
        SHAPE_ITEMS,
        N_("Rework rounds ordered after failed acceptances, over the acceptances in the period."),
    ),
    EvidenceInput("feedback.quality", SHAPE_RATING, N_("Agency ratings of quality (1–5).")),
    EvidenceInput("feedback.timeliness", SHAPE_RATING, N_("Agency ratings of timeliness (1–5).")),
    EvidenceInput(
        "feedback.security",
        SHAPE_RATING,
        N_("Agency ratings of security and confidentiality compliance (1–5)."),
    ),
    EvidenceInput("feedback.conduct", SHAPE_RATING, N_("Agency ratings of staff conduct (1–5).")),
    EvidenceInput("feedback.communication", SHAPE_RATING, N_("Agency ratings of communication (1–5).")),
    EvidenceInput(
        "rectification.closed_on_time",
        SHAPE_RATIO,
        N_("Rectification orders due in the period: good = verified closed by the deadline."),
    ),
    # Filing fields that declare an indicator (portal.filings.fields): good = filled in.
    *(EvidenceInput(spec.evidence, SHAPE_RATIO, spec.evidence_description or spec.label)
      for spec in filing_fields.evidence_fields()),
)

# Deduction codes: counts of items that take points off the total (FirmEvidence.deductions keys).
DEDUCTION_INPUTS: Mapping[str, str] = MappingProxyType(
    {
        "incident.device_media_violation": N_("Upheld incidents: device or media violation."),
        "incident.personnel_violation": N_("Upheld incidents: personnel violation."),
        "incident.other": N_("Upheld incidents: other."),
        "liaison.missed_confirmation": N_("Quarterly liaison confirmations missed."),
        "feedback.followup_failed": N_(
            "Bad-rating follow-ups failed in the period: not answered by the deadline, or the agency still dissatisfied."
        ),
    }
)

VETO_CODES: tuple[str, ...] = (
    "incident_loss",
    "incident_leak",
    "incident_unauthorised_copy",
    "incident_tampering_destruction",
    "refused_inspection",
    "rectification_overdue",
    "administrative_penalty",
)


# --- number helpers ----------------------------------------------------------------------------------


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _to_decimal(value: Any, what: str, error: type[ScoringError]) -> Decimal:
    """Exact Decimal of an int, Decimal, numeric string or float (floats through their shortest repr)."""
    if isinstance(value, bool):
        raise error(f"{what}: expected a number, got a boolean")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise error(f"{what}: {value!r} is not a number") from None
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise error(f"{what}: expected a number, got {type(value).__name__}")
    if not result.is_finite():
        raise error(f"{what}: {value!r} is not a finite number")
    return result


def _to_count(value: Any, what: str, error: type[ScoringError]) -> int:
    if isinstance(value, bool):
        raise error(f"{what}: expected a whole number, got a boolean")
    if isinstance(value, int):
        return value
    number = _to_decimal(value, what, error)
    if number != number.to_integral_value():
        raise error(f"{what}: {value!r} is not a whole number")
    return int(number)


def _canonical(value: Decimal) -> str:
    """One spelling per value (``1``, ``1.0`` and ``1.00`` all give ``"1"``) for stable JSON."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _apportion(weights: Sequence[int], total_cents: int) -> list[Decimal]:
    """Split ``total_cents`` hundredths in proportion to ``weights`` so the parts add up exactly.

    Largest remainder method in integer arithmetic: floors first, then the leftover hundredths go to
    the largest remainders, ties to the earlier item, so the split is reproducible.
    """
    whole = sum(weights)
    floors = [w * total_cents // whole for w in weights]
    remainders = [w * total_cents % whole for w in weights]
    leftover = total_cents - sum(floors)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:leftover]:
        floors[index] += 1
    return [Decimal(cents) * CENT for cents in floors]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- rule set ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One measured thing inside a dimension; ``code`` is also the key of its evidence input."""

    code: str
    name: str
    kind: str
    weight: int
    parameters: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        params = {
            str(k): _to_decimal(v, f"indicator {self.code} parameter {k}", RuleSetFormatError)
            for k, v in dict(self.parameters).items()
        }
        object.__setattr__(self, "parameters", MappingProxyType(dict(sorted(params.items()))))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "weight": self.weight,
            "parameters": {k: _canonical(v) for k, v in self.parameters.items()},
        }


@dataclass(frozen=True)
class Dimension:
    """A weighted part of the score; insufficient when its evidence count is below ``min_evidence``."""

    code: str
    name: str
    weight: int
    min_evidence: int
    indicators: tuple[Indicator, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "indicators", tuple(self.indicators))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "weight": self.weight,
            "min_evidence": self.min_evidence,
            "indicators": [i.to_dict() for i in self.indicators],
        }


@dataclass(frozen=True)
class Deduction:
    """Points taken off the total per counted item, never more than ``cap``."""

    code: str
    name: str
    points_per_item: Decimal
    cap: Decimal

    def __post_init__(self) -> None:
        for attr in ("points_per_item", "cap"):
            value = _to_decimal(getattr(self, attr), f"deduction {self.code} {attr}", RuleSetFormatError)
            object.__setattr__(self, attr, value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "points_per_item": _canonical(self.points_per_item),
            "cap": _canonical(self.cap),
        }


@dataclass(frozen=True)
class Veto:
    """A condition that forces the veto grade whatever the score."""

    code: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class GradeBand:
    """Scores from ``minimum`` to ``maximum`` (both inclusive, two decimal places) get ``grade``."""

    grade: str
    minimum: Decimal
    maximum: Decimal

    def __post_init__(self) -> None:
        for attr in ("minimum", "maximum"):
            value = _to_decimal(getattr(self, attr), f"band {self.grade} {attr}", RuleSetFormatError)
            object.__setattr__(self, attr, value)

    def contains(self, score: Decimal) -> bool:
        return self.minimum <= score <= self.maximum

    def to_dict(self) -> dict[str, Any]:
        return {"grade": self.grade, "min": _canonical(self.minimum), "max": _canonical(self.maximum)}


@dataclass(frozen=True)
class RuleSet:
    """A versioned scoring rule set; frozen into every period that used it (store ``to_json()``)."""

    version: str
    dimensions: tuple[Dimension, ...]
    bands: tuple[GradeBand, ...]
    vetoes: tuple[Veto, ...] = ()
    deductions: tuple[Deduction, ...] = ()
    veto_grade: str = "D"

    def __post_init__(self) -> None:
        for attr in ("dimensions", "bands", "vetoes", "deductions"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(i.code for d in self.dimensions for i in d.indicators)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "veto_grade": self.veto_grade,
            "dimensions": [d.to_dict() for d in self.dimensions],
            "bands": [b.to_dict() for b in self.bands],
            "vetoes": [v.to_dict() for v in self.vetoes],
            "deductions": [d.to_dict() for d in self.deductions],
        }

    def to_json(self) -> str:
        return _dumps(self.to_dict())

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON: tells whether a period's frozen copy is the same rule set."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> RuleSet:
        """Build from ``to_json()`` output or its parsed dict; raises ``RuleSetFormatError``.

        Only the structure is checked here; call ``validate_rule_set`` for the rules.
        """
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data, parse_float=Decimal)
            except ValueError as exc:
                raise RuleSetFormatError(f"rule set is not valid JSON: {exc}") from None
        if not isinstance(data, Mapping):
            raise RuleSetFormatError("rule set must be a JSON object")
        try:
            return cls(
                version=_text(data, "version", "rule set"),
                veto_grade=_text(data, "veto_grade", "rule set") if "veto_grade" in data else "D",
                dimensions=tuple(_dimension_from(d) for d in _list(data, "dimensions", "rule set")),
                bands=tuple(
                    GradeBand(_text(b, "grade", "band"), _number(b, "min", "band"), _number(b, "max", "band"))
                    for b in _list(data, "bands", "rule set")
                ),
                vetoes=tuple(
                    Veto(_text(v, "code", "veto"), _text(v, "name", "veto"))
                    for v in _list(data, "vetoes", "rule set", required=False)
                ),
                deductions=tuple(
                    Deduction(
                        _text(d, "code", "deduction"),
                        _text(d, "name", "deduction"),
                        _number(d, "points_per_item", "deduction"),
                        _number(d, "cap", "deduction"),
                    )
                    for d in _list(data, "deductions", "rule set", required=False)
                ),
            )
        except (TypeError, AttributeError) as exc:
            raise RuleSetFormatError(f"rule set has the wrong shape: {exc}") from None


def _dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _obj(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise RuleSetFormatError(f"{where} must be a JSON object")
    return data


def _text(data: Any, key: str, where: str) -> str:
    value = _obj(data, where).get(key)
    if not isinstance(value, str):
        raise RuleSetFormatError(f"{where}: '{key}' must be a string")
    return value


def _int(data: Any, key: str, where: str) -> int:
    value = _obj(data, where).get(key)
    if not _is_int(value):
        raise RuleSetFormatError(f"{where}: '{key}' must be a whole number")
    return value


def _number(data: Any, key: str, where: str) -> Decimal:
    mapping = _obj(data, where)
    if key not in mapping:
        raise RuleSetFormatError(f"{where}: '{key}' is missing")
    return _to_decimal(mapping[key], f"{where} {key}", RuleSetFormatError)


def _list(data: Any, key: str, where: str, required: bool = True) -> list[Any]:
    mapping = _obj(data, where)
    if key not in mapping and not required:
        return []
    value = mapping.get(key)
    if not isinstance(value, list):
        raise RuleSetFormatError(f"{where}: '{key}' must be a list")
    return value


def _dimension_from(data: Any) -> Dimension:
    where = "dimension"
    indicators = []
    for item in _list(data, "indicators", where):
        params = _obj(item, "indicator").get("parameters", {})
        indicators.append(
            Indicator(
                code=_text(item, "code", "indicator"),
                name=_text(item, "name", "indicator"),
                kind=_text(item, "kind", "indicator"),
                weight=_int(item, "weight", "indicator"),
                parameters=dict(_obj(params, "indicator parameters")),
            )
        )
    return Dimension(
        code=_text(data, "code", where),
        name=_text(data, "name", where),
        weight=_int(data, "weight", where),
        min_evidence=_int(data, "min_evidence", where),
        indicators=tuple(indicators),
    )


# --- validation --------------------------------------------------------------------------------------


def validate_rule_set(rule_set: RuleSet) -> list[Message]:
    """Every reason the rule set cannot be used; empty when it is sound.

    Each problem is a ``Message`` (msgid + parameters) so the admin page can show it translated;
    ``str(problem)`` gives the English text.
    """
    problems: list[Message] = []
    add = problems.append

    if not rule_set.version.strip():
        add(Message.of(N_("The rule set needs a version label.")))

    if not rule_set.dimensions:
        add(Message.of(N_("The rule set needs at least one dimension.")))
    seen_dimensions: set[str] = set()
    seen_indicators: set[str] = set()
    total_weight = 0
    for dim in rule_set.dimensions:
        if dim.code in seen_dimensions:
            add(Message.of(N_("Dimension code %(code)s is used more than once."), code=dim.code))
        seen_dimensions.add(dim.code)
        if not dim.name.strip():
            add(Message.of(N_("Dimension %(code)s needs a name."), code=dim.code))
        if not _is_int(dim.weight) or dim.weight <= 0:
            add(
                Message.of(
                    N_("Dimension %(code)s: the weight must be a whole number above 0, not %(weight)s."),
                    code=dim.code,
                    weight=dim.weight,
                )
            )
        else:
            total_weight += dim.weight
        if not _is_int(dim.min_evidence) or dim.min_evidence < 1:
            add(
                Message.of(
                    N_(
                        "Dimension %(code)s: the minimum evidence must be a whole number of at "
                        "least 1, not %(value)s."
                    ),
                    code=dim.code,
                    value=dim.min_evidence,
                )
            )
        if not dim.indicators:
            add(
                Message.of(
                    N_("Dimension %(code)s has no indicator; every dimension needs at least one."),
                    code=dim.code,
                )
            )
        for ind in dim.indicators:
            if ind.code in seen_indicators:
                add(Message.of(N_("Indicator code %(code)s is used more than once."), code=ind.code))
            seen_indicators.add(ind.code)
            problems.extend(_indicator_problems(dim, ind))
    if rule_set.dimensions and total_weight != 100:
        add(
            Message.of(
                N_("Dimension weights add up to %(total)s; they must add up to exactly 100."),
                total=total_weight,
            )
        )

    seen_deductions: set[str] = set()
    for ded in rule_set.deductions:
        if ded.code in seen_deductions:
            add(Message.of(N_("Deduction code %(code)s is used more than once."), code=ded.code))
        seen_deductions.add(ded.code)
        if ded.code not in DEDUCTION_INPUTS:
            add(
                Message.of(
                    N_("Unknown deduction code %(code)s; known codes: %(known)s."),
                    code=ded.code,
                    known=", ".join(DEDUCTION_INPUTS),
                )
            )
        if ded.points_per_item <= 0:
            add(Message.of(N_("Deduction %(code)s: points per item must be above 0."), code=ded.code))
        if not ZERO < ded.cap <= HUNDRED:
            add(Message.of(N_("Deduction %(code)s: the cap must be above 0 and at most 100."), code=ded.code))

    seen_vetoes: set[str] = set()
    for veto in rule_set.vetoes:
        if veto.code in seen_vetoes:
            add(Message.of(N_("Veto code %(code)s is used more than once."), code=veto.code))
        seen_vetoes.add(veto.code)
        if veto.code not in VETO_CODES:
            add(
                Message.of(
                    N_("Unknown veto code %(code)s; known codes: %(known)s."),
                    code=veto.code,
                    known=", ".join(VETO_CODES),
                )
            )

    problems.extend(_band_problems(rule_set))
    return problems


def _indicator_problems(dim: Dimension, ind: Indicator) -> list[Message]:
    problems: list[Message] = []
    add = problems.append
    where = {"dimension": dim.code, "code": ind.code}
    if not ind.name.strip():
        add(Message.of(N_("Indicator %(code)s needs a name."), **where))
    if not _is_int(ind.weight) or ind.weight <= 0:
        add(
            Message.of(
                N_("Indicator %(code)s: the weight must be a whole number above 0, not %(weight)s."),
                weight=ind.weight,
                **where,
            )
        )
    source = INDICATOR_INPUTS.get(ind.code)
    if source is None:
        add(
            Message.of(
                N_(
                    "Unknown indicator code %(code)s in dimension %(dimension)s: no evidence is "
                    "counted for it."
                ),
                **where,
            )
        )
    if ind.kind not in KIND_SHAPES:
        add(
            Message.of(
                N_("Indicator %(code)s: unknown kind %(kind)s; known kinds: %(known)s."),
                kind=ind.kind,
                known=", ".join(KIND_SHAPES),
                **where,
            )
        )
        return problems
    if source is not None and source.shape != KIND_SHAPES[ind.kind]:
        add(
            Message.of(
                N_("Indicator %(code)s: kind %(kind)s cannot be computed from its evidence (%(shape)s)."),
                kind=ind.kind,
                shape=source.shape,
                **where,
            )
        )
    expected = set(KIND_PARAMETERS[ind.kind])
    given = set(ind.parameters)
    for name in sorted(expected - given):
        add(
            Message.of(N_("Indicator %(code)s: parameter %(parameter)s is missing."), parameter=name, **where)
        )
    for name in sorted(given - expected):
        add(Message.of(N_("Indicator %(code)s: unknown parameter %(parameter)s."), parameter=name, **where))
    if expected - given:
        return problems
    p = ind.parameters
    if ind.kind == RATIO and not ZERO <= p["floor"] < p["target"] <= 1:
        add(Message.of(N_("Indicator %(code)s: need 0 ≤ floor < target ≤ 1."), **where))
    elif ind.kind == THRESHOLD and not ZERO < p["threshold"] <= 1:
        add(Message.of(N_("Indicator %(code)s: the threshold must be above 0 and at most 1."), **where))
    elif ind.kind == AVERAGE_RATING and not p["scale_min"] < p["scale_max"]:
        add(Message.of(N_("Indicator %(code)s: the scale minimum must be below the scale maximum."), **where))
    elif ind.kind == DEDUCTION_PER_ITEM and not (p["per_item"] > 0 and ZERO < p["cap"] <= HUNDRED):
        add(
            Message.of(
                N_(
                    "Indicator %(code)s: points per item must be above 0 and the cap above 0 and at most 100."
                ),
                **where,
            )
        )
    return problems


def _band_problems(rule_set: RuleSet) -> list[Message]:
    problems: list[Message] = []
    add = problems.append
    bands = rule_set.bands
    if not bands:
        add(Message.of(N_("The rule set needs grade bands covering 0 to 100.")))
        return problems
    grades = [b.grade for b in bands]
    for grade in sorted({g for g in grades if grades.count(g) > 1}):
        add(Message.of(N_("Grade %(grade)s has more than one band."), grade=grade))
    if any(not g.strip() for g in grades):
        add(Message.of(N_("Every grade band needs a grade.")))
    if rule_set.veto_grade not in grades:
        add(
            Message.of(
                N_("The veto grade %(grade)s is not one of the grade bands."), grade=rule_set.veto_grade
            )
        )
    shaped = True
    for band in bands:
        if _places(band.minimum) > 2 or _places(band.maximum) > 2:
            add(
                Message.of(
                    N_("Grade band %(grade)s: limits may have at most two decimal places."), grade=band.grade
                )
            )
            shaped = False
        if band.minimum > band.maximum:
            add(
                Message.of(
                    N_("Grade band %(grade)s: the lower limit %(min)s is above the upper limit %(max)s."),
                    grade=band.grade,
                    min=_canonical(band.minimum),
                    max=_canonical(band.maximum),
                )
            )
            shaped = False
        if band.minimum < 0 or band.maximum > HUNDRED:
            add(Message.of(N_("Grade band %(grade)s reaches outside 0 to 100."), grade=band.grade))
    if not shaped:
        return problems
    ordered = sorted(bands, key=lambda b: (b.minimum, b.maximum))
    if ordered[0].minimum > 0:
        add(
            Message.of(
                N_("Scores from 0 up to %(below)s have no grade band."),
                below=_canonical(ordered[0].minimum - CENT),
            )
        )
    top = max(b.maximum for b in bands)
    if top < HUNDRED:
        add(Message.of(N_("Scores above %(top)s up to 100 have no grade band."), top=_canonical(top)))
    for low, high in zip(ordered, ordered[1:], strict=False):
        if high.minimum <= low.maximum:
            add(
                Message.of(
                    N_("Grade bands %(first)s and %(second)s overlap from %(from)s to %(to)s."),
                    first=low.grade,
                    second=high.grade,
                    **{
                        "from": _canonical(high.minimum),
                        "to": _canonical(min(low.maximum, high.maximum)),
                    },
                )
            )
        elif high.minimum > low.maximum + CENT:
            add(
                Message.of(
                    N_(
                        "Scores between %(after)s and %(before)s fall between grade bands %(first)s "
                        "and %(second)s."
                    ),
                    first=low.grade,
                    second=high.grade,
                    after=_canonical(low.maximum),
                    before=_canonical(high.minimum),
                )
            )
    return problems


# --- the default rule set (DESIGN §3) ------------------------------------------------------------------


def _ratio(code: str, name: str, weight: int, floor: str = "0", target: str = "1") -> Indicator:
    return Indicator(code, name, RATIO, weight, {"floor": Decimal(floor), "target": Decimal(target)})


def _rating(code: str, name: str) -> Indicator:
    return Indicator(code, name, AVERAGE_RATING, 1, {"scale_min": Decimal(1), "scale_max": Decimal(5)})


VETO_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "incident_loss": N_("Upheld incident: loss of archives"),
        "incident_leak": N_("Upheld incident: leak of archives"),
        "incident_unauthorised_copy": N_("Upheld incident: unauthorised copy of archives"),
        "incident_tampering_destruction": N_("Upheld incident: tampering with or destruction of archives"),
        "refused_inspection": N_("Refused an inspection"),
        "rectification_overdue": N_("A rectification order left overdue"),
        "administrative_penalty": N_("An administrative penalty in the period"),
    }
)

DEFAULT_RULE_SET = RuleSet(
    version="default-2026.3",
    dimensions=(
        Dimension(
            "filing",
            N_("Filing compliance"),
            15,
            1,
            (
                _ratio("filing.before_start", N_("Filed before work started"), 2),
                _ratio("filing.changes_in_time", N_("Changes re-filed in time"), 1),
                _ratio("filing.completion_in_time", N_("Completion reported in time"), 1),
            ),
        ),
        Dimension(
            "personnel",
            N_("Personnel"),
            15,
            1,
            (
                _ratio(
                    "personnel.qualified_staff",
                    N_("Assigned staff with contract, commitment, 5 training days and a passed assessment"),
                    1,
                ),
            ),
        ),
        Dimension(
            "security",
            N_("Site and equipment security"),
            20,
            1,
            (
                _ratio("security.inspection_items", N_("Security items passed in inspections"), 1),
                _ratio("security.site_patrols", N_("Site patrol days in order"), 1),
            ),
        ),
        Dimension(
            "quality",
            N_("Process and quality"),
            20,
            1,
            (
                _ratio("quality.first_pass_acceptance", N_("Accepted at the first acceptance"), 2),
                # DA/T acceptance practice: a 95% sampling pass rate is the standard, 80% or less earns nothing.
                _ratio("quality.sampling_pass", N_("Sampling pass rate"), 2, floor="0.80", target="0.95"),
                Indicator(
                    "quality.rework",
                    N_("Rework rounds"),
                    DEDUCTION_PER_ITEM,
                    1,
                    {"per_item": Decimal(25), "cap": Decimal(100)},
                ),
            ),
        ),
        # Five aspect ratings make one complete feedback form: less than that is not a fair basis.
        Dimension(
            "feedback",
            N_("Agency feedback"),
            20,
            5,
            (
                _rating("feedback.quality", N_("Quality")),
                _rating("feedback.timeliness", N_("Timeliness")),
                _rating("feedback.security", N_("Security and confidentiality compliance")),
                _rating("feedback.conduct", N_("Staff conduct")),
                _rating("feedback.communication", N_("Communication")),
            ),
        ),
        Dimension(
            "rectification",
            N_("Rectification"),
            10,
            1,
            (_ratio("rectification.closed_on_time", N_("Orders closed on time"), 1),),
        ),
    ),
    bands=(
        GradeBand("A", Decimal(90), Decimal(100)),
        GradeBand("B", Decimal(80), Decimal("89.99")),
        GradeBand("C", Decimal(60), Decimal("79.99")),
        GradeBand("D", Decimal(0), Decimal("59.99")),
    ),
    vetoes=tuple(Veto(code, VETO_NAMES[code]) for code in VETO_CODES),
    deductions=(
        Deduction(
            "incident.device_media_violation", N_("Device or media violations"), Decimal(5), Decimal(15)
        ),
        Deduction("incident.personnel_violation", N_("Personnel violations"), Decimal(3), Decimal(9)),
        Deduction("incident.other", N_("Other upheld incidents"), Decimal(2), Decimal(6)),
        Deduction("liaison.missed_confirmation", N_("Missed liaison confirmations"), Decimal(1), Decimal(4)),
        Deduction("feedback.followup_failed", N_("Failed bad-rating follow-ups"), Decimal(2), Decimal(10)),
    ),
)


# --- evidence ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirmEvidence:
    """What the database layer counted for one firm in one period.

    - ``inputs``: indicator code (a key of ``INDICATOR_INPUTS``) → ``(numerator, count)``; a missing
      code means no evidence ``(0, 0)``. Ratio inputs are ``(good, total)``, rating inputs
      ``(sum of ratings, number of ratings)``, item inputs ``(bad items, occasions looked at)``.
      ``count`` is the number of evidence items and must be whole; numerators may be Decimal.
    - ``deductions``: deduction code (a key of ``DEDUCTION_INPUTS``) → number of items.
    - ``vetoes``: veto codes (from ``VETO_CODES``) whose condition held in the period.
    - ``activity``: False when the firm had no work in the period; it is then not rated.
    - ``refs``: any of the codes above → opaque evidence ids (e.g. ``"filing:42"``), passed through
      unchanged so the result can link to the rows behind each number.
    """

    inputs: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    deductions: Mapping[str, Any] = field(default_factory=dict)
    vetoes: Iterable[str] = frozenset()
    activity: bool = True
    refs: Mapping[str, Sequence[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        inputs: dict[str, tuple[Decimal, int]] = {}
        for code, pair in dict(self.inputs).items():
            source = INDICATOR_INPUTS.get(code)
            if source is None:
                raise EvidenceError(f"unknown indicator input {code!r}")
            try:
                numerator, count = pair
            except (TypeError, ValueError):
                raise EvidenceError(f"{code}: expected a (numerator, count) pair, got {pair!r}") from None
            inputs[code] = _checked_pair(
                source, _to_decimal(numerator, code, EvidenceError), _to_count(count, code, EvidenceError)
            )
        deductions: dict[str, int] = {}
        for code, items in dict(self.deductions).items():
            if code not in DEDUCTION_INPUTS:
                raise EvidenceError(f"unknown deduction input {code!r}")
            deductions[code] = _to_count(items, code, EvidenceError)
            if deductions[code] < 0:
                raise EvidenceError(f"{code}: the number of items cannot be negative")
        if isinstance(self.vetoes, str):
            raise EvidenceError("vetoes must be a collection of codes, not one string")
        vetoes = frozenset(self.vetoes)
        unknown = sorted(vetoes - set(VETO_CODES))
        if unknown:
            raise EvidenceError(f"unknown veto codes {unknown!r}")
        refs: dict[str, tuple[str, ...]] = {}
        for code, ids in dict(self.refs).items():
            if code not in INDICATOR_INPUTS and code not in DEDUCTION_INPUTS and code not in VETO_CODES:
                raise EvidenceError(f"evidence references for unknown code {code!r}")
            if isinstance(ids, str | bytes):
                raise EvidenceError(f"{code}: references must be a sequence of ids, not one string")
            # Keep the caller's order (it orders its query) and drop repeats.
            refs[code] = tuple(dict.fromkeys(str(i) for i in ids))
        object.__setattr__(self, "inputs", MappingProxyType(dict(sorted(inputs.items()))))
        object.__setattr__(self, "deductions", MappingProxyType(dict(sorted(deductions.items()))))
        object.__setattr__(self, "vetoes", vetoes)
        object.__setattr__(self, "activity", bool(self.activity))
        object.__setattr__(self, "refs", MappingProxyType(dict(sorted(refs.items()))))

    def refs_for(self, code: str) -> tuple[str, ...]:
        return tuple(self.refs.get(code, ()))


def _checked_pair(source: EvidenceInput, numerator: Decimal, count: int) -> tuple[Decimal, int]:
    code = source.code
    if count < 0 or numerator < 0:
        raise EvidenceError(f"{code}: numbers cannot be negative")
    if source.shape == SHAPE_RATIO and numerator > count:
        raise EvidenceError(f"{code}: {numerator} good out of {count} is more than the total")
    if source.shape in (SHAPE_RATIO, SHAPE_RATING) and count == 0 and numerator != 0:
        raise EvidenceError(f"{code}: a numerator of {numerator} with no evidence items")
    return numerator, count


# --- results -----------------------------------------------------------------------------------------


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's inputs and what they earned.

    ``raw`` is the indicator's own 0–100 score; ``share`` is its effective weight inside the dimension
    (hundredths, summing to 100 over the indicators with evidence); ``points`` is its contribution to
    the dimension's 0–100 raw score (``raw × share / 100``), so a dimension's indicator points add up
    to its raw score exactly.
    """

    code: str
    name: str
    kind: str
    weight: int
    numerator: Decimal
    count: int
    raw: Decimal | None
    share: Decimal
    points: Decimal | None
    refs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "weight": self.weight,
            "numerator": _canonical(self.numerator),
            "count": self.count,
            "raw": _dec(self.raw),
            "share": str(self.share),
            "points": _dec(self.points),
            "refs": list(self.refs),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IndicatorResult:
        return cls(
            d["code"],
            d["name"],
            d["kind"],
            d["weight"],
            Decimal(d["numerator"]),
            d["count"],
            _undec(d["raw"]),
            Decimal(d["share"]),
            _undec(d["points"]),
            tuple(d["refs"]),
        )


@dataclass(frozen=True)
class DimensionResult:
    """One dimension: its configured and effective weight, raw 0–100 score and points on the total."""

    code: str
    name: str
    weight: int
    effective_weight: Decimal
    min_evidence: int
    evidence_count: int
    insufficient: bool
    raw: Decimal | None
    points: Decimal | None
    indicators: tuple[IndicatorResult, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "weight": self.weight,
            "effective_weight": str(self.effective_weight),
            "min_evidence": self.min_evidence,
            "evidence_count": self.evidence_count,
            "insufficient": self.insufficient,
            "raw": _dec(self.raw),
            "points": _dec(self.points),
            "indicators": [i.to_dict() for i in self.indicators],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DimensionResult:
        return cls(
            d["code"],
            d["name"],
            d["weight"],
            Decimal(d["effective_weight"]),
            d["min_evidence"],
            d["evidence_count"],
            d["insufficient"],
            _undec(d["raw"]),
            _undec(d["points"]),
            tuple(IndicatorResult.from_dict(i) for i in d["indicators"]),
        )


@dataclass(frozen=True)
class DeductionResult:
    """Points taken off the total for counted items (``points`` = min(items × per item, cap))."""

    code: str
    name: str
    items: int
    points_per_item: Decimal
    cap: Decimal
    points: Decimal
    refs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "items": self.items,
            "points_per_item": _canonical(self.points_per_item),
            "cap": _canonical(self.cap),
            "points": str(self.points),
            "refs": list(self.refs),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DeductionResult:
        return cls(
            d["code"],
            d["name"],
            d["items"],
            Decimal(d["points_per_item"]),
            Decimal(d["cap"]),
            Decimal(d["points"]),
            tuple(d["refs"]),
        )


@dataclass(frozen=True)
class VetoResult:
    code: str
    name: str
    refs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "refs": list(self.refs)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VetoResult:
        return cls(d["code"], d["name"], tuple(d["refs"]))


@dataclass(frozen=True)
class FirmScoreResult:
    """The outcome for one firm in one period, with everything needed to explain it.

    ``status`` is ``"rated"`` when a grade was given, ``"not_rated"`` otherwise (then ``grade`` and
    ``total_score`` are None). A veto gives the veto grade even when there was too little evidence for
    a score; ``total_score`` is then None.
    """

    rule_set_version: str
    status: str
    total_score: Decimal | None
    grade: str | None
    score_before_deductions: Decimal | None
    deduction_total: Decimal
    vetoed: bool
    dimensions: tuple[DimensionResult, ...]
    deductions: tuple[DeductionResult, ...]
    vetoes: tuple[VetoResult, ...]
    explanation: tuple[Message, ...]

    @property
    def rated(self) -> bool:
        return self.status == RATED

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_set_version": self.rule_set_version,
            "status": self.status,
            "total_score": _dec(self.total_score),
            "grade": self.grade,
            "score_before_deductions": _dec(self.score_before_deductions),
            "deduction_total": str(self.deduction_total),
            "vetoed": self.vetoed,
            "dimensions": [d.to_dict() for d in self.dimensions],
            "deductions": [d.to_dict() for d in self.deductions],
            "vetoes": [v.to_dict() for v in self.vetoes],
            "explanation": [m.to_dict() for m in self.explanation],
        }

    def to_json(self) -> str:
        return _dumps(self.to_dict())

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> FirmScoreResult:
        d = json.loads(data) if isinstance(data, str | bytes) else data
        return cls(
            d["rule_set_version"],
            d["status"],
            _undec(d["total_score"]),
            d["grade"],
            _undec(d["score_before_deductions"]),
            Decimal(d["deduction_total"]),
            d["vetoed"],
            tuple(DimensionResult.from_dict(x) for x in d["dimensions"]),
            tuple(DeductionResult.from_dict(x) for x in d["deductions"]),
            tuple(VetoResult.from_dict(x) for x in d["vetoes"]),
            tuple(Message.from_dict(x) for x in d["explanation"]),
        )


# --- computation -------------------------------------------------------------------------------------


def indicator_raw(indicator: Indicator, numerator: Decimal, count: int) -> Decimal | None:
    """The indicator's 0–100 score from its input pair, or None when there is no evidence."""
    if count == 0:
        return None
    p = indicator.parameters
    with localcontext(_CONTEXT):
        if indicator.kind == RATIO:
            share = numerator / count
            scaled = (share - p["floor"]) / (p["target"] - p["floor"])
            return _q(min(max(scaled, ZERO), Decimal(1)) * HUNDRED)
        if indicator.kind == THRESHOLD:
            # Compared without dividing so 19/20 against 0.95 is exact.
            return _q(HUNDRED if numerator >= p["threshold"] * count else ZERO)
        if indicator.kind == AVERAGE_RATING:
            low, high = p["scale_min"], p["scale_max"]
            if not low * count <= numerator <= high * count:
                raise EvidenceError(
                    f"{indicator.code}: ratings summing to {numerator} over {count} fall outside "
                    f"the {low}–{high} scale"
                )
            return _q((numerator / count - low) / (high - low) * HUNDRED)
        if indicator.kind == DEDUCTION_PER_ITEM:
            return _q(HUNDRED - min(numerator * p["per_item"], p["cap"]))
    raise ScoringError(f"unknown indicator kind {indicator.kind!r}")


def grade_for_score(rule_set: RuleSet, score: Decimal) -> str:
    """The grade of the band holding ``score`` (rounded to hundredths first)."""
    rounded = _q(score)
    for band in rule_set.bands:
        if band.contains(rounded):
            return band.grade
    raise ScoringError(f"no grade band holds the score {rounded}")


def score_firm(rule_set: RuleSet, evidence: FirmEvidence) -> FirmScoreResult:
    """Score one firm for one period; raises ``InvalidRuleSet`` or ``EvidenceError`` on bad input."""
    problems = validate_rule_set(rule_set)
    if problems:
        raise InvalidRuleSet(problems)
    with localcontext(_CONTEXT):
        return _score(rule_set, evidence)


def _score(rule_set: RuleSet, evidence: FirmEvidence) -> FirmScoreResult:
    explanation = [Message.of(N_("Scored with rule set %(version)s."), version=rule_set.version)]
    note = explanation.append

    # First pass: raw indicator scores and evidence counts, before anything is weighted.
    measured: list[tuple[Dimension, list[tuple[Indicator, Decimal, int, Decimal | None]], int]] = []
    for dim in rule_set.dimensions:
        rows = []
        for ind in dim.indicators:
            numerator, count = evidence.inputs.get(ind.code, (ZERO, 0))
            rows.append((ind, numerator, count, indicator_raw(ind, numerator, count)))
        measured.append((dim, rows, sum(r[2] for r in rows)))

    sufficient = [dim for dim, _, count in measured if count >= dim.min_evidence]
    scored = bool(sufficient) and evidence.activity
    active_vetoes = tuple(
        VetoResult(v.code, v.name, evidence.refs_for(v.code))
        for v in rule_set.vetoes
        if v.code in evidence.vetoes
    )

    if not evidence.activity:
        note(Message.of(N_("The firm had no activity in the period, so no score is given.")))
    elif not sufficient:
        note(Message.of(N_("No dimension has enough evidence, so no score is given.")))

    effective: dict[str, Decimal] = {}
    if scored:
        effective = dict(
            zip(
                (d.code for d in sufficient),
                _apportion([d.weight for d in sufficient], 100 * 100),
                strict=True,
            )
        )

    dimensions: list[DimensionResult] = []
    for dim, rows, count in measured:
        insufficient = count < dim.min_evidence
        if insufficient:
            note(
                Message.of(
                    N_(
                        "%(dimension)s has %(count)s of the %(minimum)s evidence items required: insufficient "
                        "evidence, left out of the score."
                    ),
                    translatable=("dimension",),
                    dimension=dim.name,
                    count=count,
                    minimum=dim.min_evidence,
                )
            )
        with_evidence = [r for r in rows if r[2] > 0]
        shares = (
            dict(
                zip(
                    (r[0].code for r in with_evidence),
                    _apportion([r[0].weight for r in with_evidence], 100 * 100),
                    strict=True,
                )
            )
            if with_evidence
            else {}
        )
        use = scored and not insufficient
        indicators: list[IndicatorResult] = []
        for ind, numerator, ind_count, raw in rows:
            share = shares.get(ind.code, ZERO * CENT) if use else ZERO * CENT
            points = _q(raw * share / HUNDRED) if use and raw is not None else None
            indicators.append(
                IndicatorResult(
                    ind.code,
                    ind.name,
                    ind.kind,
                    ind.weight,
                    numerator,
                    ind_count,
                    raw if use else None,
                    _q(share),
                    points,
                    evidence.refs_for(ind.code),
                )
            )
            if use and raw is None:
                note(
                    Message.of(
                        N_(
                            "%(indicator)s had no evidence; its weight within %(dimension)s went to the other "
                            "indicators of that dimension."
                        ),
                        translatable=("indicator", "dimension"),
                        indicator=ind.name,
                        dimension=dim.name,
                    )
                )
        dim_raw = sum((i.points for i in indicators if i.points is not None), ZERO * CENT) if use else None
        weight = effective.get(dim.code, ZERO * CENT)
        dimensions.append(
            DimensionResult(
                dim.code,
                dim.name,
                dim.weight,
                _q(weight),
                dim.min_evidence,
                count,
                insufficient,
                _q(dim_raw) if dim_raw is not None else None,
                _q(dim_raw * weight / HUNDRED) if dim_raw is not None else None,
                tuple(indicators),
            )
        )

    if scored and len(sufficient) < len(rule_set.dimensions):
        spread = sum(d.weight for d in rule_set.dimensions if d.code not in effective)
        note(
            Message.of(
                N_(
                    "The weight of dimensions without enough evidence (%(spread)s of 100) was spread over the "
                    "%(count)s dimensions with evidence in proportion to their weights."
                ),
                spread=spread,
                count=len(sufficient),
            )
        )
        # One line per dimension, named in the reader's language (a joined list of codes was not words).
        for d in sufficient:
            note(Message.of(N_("%(dimension)s: weight %(weight)s → %(effective)s."), translatable=("dimension",),
                            dimension=d.name, weight=d.weight, effective=effective[d.code]))

    deductions: list[DeductionResult] = []
    deduction_total = ZERO * CENT
    if scored:
        for ded in rule_set.deductions:
            items = evidence.deductions.get(ded.code, 0)
            if items == 0:
                continue
            points = _q(min(items * ded.points_per_item, ded.cap))
            deduction_total += points
            deductions.append(
                DeductionResult(
                    ded.code,
                    ded.name,
                    items,
                    ded.points_per_item,
                    ded.cap,
                    points,
                    evidence.refs_for(ded.code),
                )
            )
            note(
                Message.of(
                    N_(
                        "%(deduction)s: %(items)s × %(per_item)s points, at most %(cap)s: %(points)s points "
                        "deducted."
                    ),
                    translatable=("deduction",),
                    deduction=ded.name,
                    items=items,
                    per_item=_canonical(ded.points_per_item),
                    cap=_canonical(ded.cap),
                    points=points,
                )
            )

    before: Decimal | None = None
    total: Decimal | None = None
    grade: str | None = None
    if scored:
        before = _q(sum((d.points for d in dimensions if d.points is not None), ZERO))
        total = _q(max(before - deduction_total, ZERO))
        grade = grade_for_score(rule_set, total)
    for veto in active_vetoes:
        note(
            Message.of(
                N_("Veto: %(veto)s. The grade is %(grade)s whatever the score."),
                translatable=("veto",),
                veto=veto.name,
                grade=rule_set.veto_grade,
            )
        )
    if active_vetoes:
        grade = rule_set.veto_grade
    if total is not None:
        note(Message.of(N_("Score %(score)s out of 100; grade %(grade)s."), score=total, grade=grade))
    elif grade is not None:
        note(Message.of(N_("No score; grade %(grade)s by veto."), grade=grade))

    return FirmScoreResult(
        rule_set_version=rule_set.version,
        status=RATED if grade is not None else NOT_RATED,
        total_score=total,
        grade=grade,
        score_before_deductions=before,
        deduction_total=_q(deduction_total),
        vetoed=bool(active_vetoes),
        dimensions=tuple(dimensions),
        deductions=tuple(deductions),
        vetoes=active_vetoes,
        explanation=tuple(explanation),
    )


def period_has_ended(ends_on: date, today: date) -> bool:
    """A period's evidence is complete only once its last day is over."""
    return today > ends_on


# What applying a grade did (scoring.apply audit rows, the score page).
APPLICATION_LABELS = {
    "grade": N_("Grade published"),
    "badge": N_("Good-standing badge"),
    "agency_warning": N_("Warning to agencies confirming projects"),
    "inspection_weight": N_("Inspection weight"),
    "focus_supervision": N_("Focus-supervision list, rectification plan required"),
    "negative_list_proposal": N_("Proposed for the negative list"),
    "negative_list": N_("On the negative list"),
}

# Explanations stored by earlier versions keep their translation (scores are frozen with their explanation).
LEGACY_MSGIDS = (
    N_("The weight of dimensions without enough evidence (%(spread)s of 100) was spread over the "
       "%(count)s dimensions with evidence in proportion to their weights: %(weights)s."),
)
