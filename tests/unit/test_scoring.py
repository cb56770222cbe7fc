"""Scoring core: indicator maths, rule-set validation, redistribution, vetoes and determinism."""

from __future__ import annotations

import dataclasses
import decimal
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.filings import fields as filing_fields
from portal.scoring.rules import (
    AVERAGE_RATING,
    DEDUCTION_PER_ITEM,
    DEFAULT_RULE_SET,
    INDICATOR_INPUTS,
    NOT_RATED,
    RATED,
    RATIO,
    SHAPE_ITEMS,
    SHAPE_RATIO,
    THRESHOLD,
    VETO_CODES,
    EvidenceError,
    FirmEvidence,
    FirmScoreResult,
    GradeBand,
    Indicator,
    InvalidRuleSet,
    RuleSet,
    RuleSetFormatError,
    Veto,
    grade_for_score,
    indicator_raw,
    score_firm,
    validate_rule_set,
)

D = Decimal

# A firm with evidence in every dimension; the expected numbers are worked out by hand below.
FULL_INPUTS = {
    "filing.before_start": (9, 10),  # 90.00, weight 2 of 4 → share 50
    "filing.changes_in_time": (1, 2),  # 50.00, share 25
    "filing.completion_in_time": (4, 4),  # 100.00, share 25 → raw 45 + 12.5 + 25 = 82.50
    "personnel.qualified_staff": (8, 10),  # 80.00
    "security.inspection_items": (19, 20),  # 95.00
    "quality.first_pass_acceptance": (3, 4),  # 75.00, share 40 → 30.00
    "quality.sampling_pass": (950, 1000),  # 95% reaches the target → 100.00, share 40 → 40.00
    "quality.rework": (1, 4),  # 100 - 25 = 75.00, share 20 → 15.00; raw 85.00
    "feedback.quality": (20, 5),  # mean 4 → 75
    "feedback.timeliness": (25, 5),  # mean 5 → 100
    "feedback.security": (20, 5),  # 75
    "feedback.conduct": (15, 5),  # mean 3 → 50
    "feedback.communication": (20, 5),  # 75 → raw 75.00
    "rectification.closed_on_time": (1, 2),  # 50.00
}
PERFECT_INPUTS = {
    code: ((5 * 5, 5) if src.shape == "rating" else (0, 3) if src.shape == SHAPE_ITEMS else (3, 3))
    for code, src in INDICATOR_INPUTS.items()
}


def dims(result: FirmScoreResult) -> dict:
    return {d.code: d for d in result.dimensions}


def messages(problems) -> str:
    return "\n".join(str(p) for p in problems)


def with_weights(rule_set: RuleSet, **weights: int) -> RuleSet:
    return dataclasses.replace(
        rule_set,
        dimensions=tuple(
            dataclasses.replace(d, weight=weights.get(d.code, d.weight)) for d in rule_set.dimensions
        ),
    )


def with_bands(*bands: tuple[str, str, str]) -> RuleSet:
    return dataclasses.replace(
        DEFAULT_RULE_SET, bands=tuple(GradeBand(g, D(lo), D(hi)) for g, lo, hi in bands)
    )


# --- indicator kinds ---------------------------------------------------------------------------------


def ind(kind: str, **params: str) -> Indicator:
    return Indicator("x", "X", kind, 1, {k: D(v) for k, v in params.items()})


@pytest.mark.clause("DAT68-credit")
@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ((3, 4), "75.00"),
        ((2, 3), "66.67"),
        ((0, 5), "0.00"),
        ((5, 5), "100.00"),
        ((1, 3), "33.33"),
        ((1, 32), "3.13"),
    ],  # 3.125: half up, not to even
)
def test_ratio_is_share_of_good_cases(pair, expected):
    assert indicator_raw(ind(RATIO, floor="0", target="1"), D(pair[0]), pair[1]) == D(expected)


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ((930, 1000), "86.67"),
        ((950, 1000), "100.00"),
        ((990, 1000), "100.00"),
        ((800, 1000), "0.00"),
        ((700, 1000), "0.00"),
        ((875, 1000), "50.00"),
    ],
)
def test_ratio_scales_between_floor_and_target(pair, expected):
    assert indicator_raw(ind(RATIO, floor="0.80", target="0.95"), D(pair[0]), pair[1]) == D(expected)


@pytest.mark.parametrize(
    ("pair", "expected"), [((19, 20), "100.00"), ((18, 20), "0.00"), ((20, 20), "100.00")]
)
def test_threshold_is_all_or_nothing_and_exact_at_the_mark(pair, expected):
    assert indicator_raw(ind(THRESHOLD, threshold="0.95"), D(pair[0]), pair[1]) == D(expected)


@pytest.mark.parametrize(
    ("pair", "expected"),
    [((17, 4), "81.25"), ((5, 5), "0.00"), ((25, 5), "100.00"), ((7, 2), "62.50"), ((10, 3), "58.33")],
)
def test_average_rating_maps_one_to_five_onto_zero_to_hundred(pair, expected):
    assert indicator_raw(ind(AVERAGE_RATING, scale_min="1", scale_max="5"), D(pair[0]), pair[1]) == D(
        expected
    )


@pytest.mark.parametrize("pair", [(6, 1), (0, 1), (21, 4)])
def test_average_rating_outside_the_scale_is_refused(pair):
    with pytest.raises(EvidenceError, match="outside"):
        indicator_raw(ind(AVERAGE_RATING, scale_min="1", scale_max="5"), D(pair[0]), pair[1])


@pytest.mark.parametrize(
    ("cap", "items", "expected"),
    [("100", 0, "100.00"), ("100", 1, "75.00"), ("100", 3, "25.00"), ("100", 5, "0.00"), ("60", 5, "40.00")],
)
def test_deduction_per_item_takes_points_off_up_to_the_cap(cap, items, expected):
    assert indicator_raw(ind(DEDUCTION_PER_ITEM, per_item="25", cap=cap), D(items), 4) == D(expected)


@pytest.mark.parametrize("kind", [RATIO, THRESHOLD, AVERAGE_RATING, DEDUCTION_PER_ITEM])
def test_no_evidence_gives_no_indicator_score(kind):
    params = {
        RATIO: {"floor": "0", "target": "1"},
        THRESHOLD: {"threshold": "0.9"},
        AVERAGE_RATING: {"scale_min": "1", "scale_max": "5"},
        DEDUCTION_PER_ITEM: {"per_item": "10", "cap": "50"},
    }[kind]
    assert indicator_raw(ind(kind, **params), D(0), 0) is None


# --- the default rule set and JSON -------------------------------------------------------------------


def test_default_rule_set_is_valid_and_follows_the_design_table():
    assert validate_rule_set(DEFAULT_RULE_SET) == []
    assert {d.code: d.weight for d in DEFAULT_RULE_SET.dimensions} == {
        "filing": 15,
        "personnel": 15,
        "security": 20,
        "quality": 20,
        "feedback": 20,
        "rectification": 10,
    }
    assert [(b.grade, b.minimum, b.maximum) for b in DEFAULT_RULE_SET.bands] == [
        ("A", 90, 100),
        ("B", 80, D("89.99")),
        ("C", 60, D("79.99")),
        ("D", 0, D("59.99")),
    ]
    assert {v.code for v in DEFAULT_RULE_SET.vetoes} == set(VETO_CODES)
    # Every built-in indicator is weighed; those a filing field declares (portal.filings.fields) are
    # there for the bureau to weigh if it chooses.
    optional = {spec.evidence for spec in filing_fields.evidence_fields()}
    assert set(DEFAULT_RULE_SET.indicator_codes) == set(INDICATOR_INPUTS) - optional


def test_rule_set_json_round_trips_byte_identically():
    text = DEFAULT_RULE_SET.to_json()
    again = RuleSet.from_json(text)
    assert again == DEFAULT_RULE_SET
    assert again.to_json() == text
    assert RuleSet.from_json(json.loads(text)).to_json() == text
    assert list(json.loads(text)) == sorted(json.loads(text))


def test_fingerprint_changes_with_any_rule_and_only_then():
    same = RuleSet.from_json(DEFAULT_RULE_SET.to_json())
    assert same.fingerprint() == DEFAULT_RULE_SET.fingerprint()
    assert len(DEFAULT_RULE_SET.fingerprint()) == 64
    changed = with_weights(DEFAULT_RULE_SET, filing=10, rectification=15)
    assert changed.fingerprint() != DEFAULT_RULE_SET.fingerprint()


def test_equal_numbers_serialise_the_same_way():
    data = json.loads(DEFAULT_RULE_SET.to_json())
    data["bands"][0]["min"] = 90.0
    data["dimensions"][3]["indicators"][1]["parameters"]["floor"] = "0.800"
    assert RuleSet.from_json(json.dumps(data)).to_json() == DEFAULT_RULE_SET.to_json()


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.pop("version"), "version"),
        (lambda d: d["dimensions"][0].__setitem__("weight", 15.5), "weight"),
        (lambda d: d["dimensions"][0].__setitem__("indicators", "none"), "indicators"),
        (lambda d: d["bands"][0].pop("max"), "max"),
        (lambda d: d["bands"][0].__setitem__("min", "ninety"), "not a number"),
    ],
)
def test_broken_rule_set_json_is_refused_with_a_reason(mutate, match):
    data = json.loads(DEFAULT_RULE_SET.to_json())
    mutate(data)
    with pytest.raises(RuleSetFormatError, match=match):
        RuleSet.from_json(json.dumps(data))


def test_rule_set_json_that_is_not_json_is_refused():
    with pytest.raises(RuleSetFormatError):
        RuleSet.from_json("{not json")
    with pytest.raises(RuleSetFormatError):
        RuleSet.from_json("[1, 2]")


# --- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("weight", "total"), [(14, 99), (16, 101)])
def test_weights_must_sum_to_exactly_100(weight, total):
    problems = validate_rule_set(with_weights(DEFAULT_RULE_SET, filing=weight))
    assert len(problems) == 1
    assert problems[0].msgid.startswith("Dimension weights add up to")
    assert problems[0].params_dict == {"total": str(total)}
    assert str(problems[0]) == f"Dimension weights add up to {total}; they must add up to exactly 100."


def test_overlapping_bands_are_refused():
    rs = with_bands(("A", "90", "100"), ("B", "80", "90"), ("C", "60", "79.99"), ("D", "0", "59.99"))
    problems = validate_rule_set(rs)
    assert messages(problems) == "Grade bands B and A overlap from 90 to 90."


def test_gap_between_bands_is_refused():
    rs = with_bands(("A", "90", "100"), ("B", "80", "89"), ("C", "60", "79.99"), ("D", "0", "59.99"))
    assert messages(validate_rule_set(rs)) == "Scores between 89 and 90 fall between grade bands B and A."


def test_bands_one_hundredth_apart_are_contiguous_but_two_hundredths_leave_a_gap():
    rs = with_bands(("A", "90", "100"), ("B", "80", "89.98"), ("C", "60", "79.99"), ("D", "0", "59.99"))
    assert messages(validate_rule_set(rs)) == "Scores between 89.98 and 90 fall between grade bands B and A."


def test_bands_must_reach_both_ends_of_the_scale():
    rs = with_bands(("A", "90", "99"), ("B", "80", "89.99"), ("C", "60", "79.99"), ("D", "1", "59.99"))
    text = messages(validate_rule_set(rs))
    assert "Scores from 0 up to 0.99 have no grade band." in text
    assert "Scores above 99 up to 100 have no grade band." in text


def test_band_limits_with_three_decimals_and_inverted_limits_are_refused():
    rs = with_bands(("A", "90", "100"), ("B", "80", "89.999"), ("C", "79.99", "60"), ("D", "0", "59.99"))
    text = messages(validate_rule_set(rs))
    assert "Grade band B: limits may have at most two decimal places." in text
    assert "Grade band C: the lower limit 79.99 is above the upper limit 60." in text


def test_veto_grade_must_be_a_band():
    rs = dataclasses.replace(DEFAULT_RULE_SET, veto_grade="E")
    assert messages(validate_rule_set(rs)) == "The veto grade E is not one of the grade bands."


def test_unknown_veto_code_and_duplicate_veto_are_refused():
    rs = dataclasses.replace(
        DEFAULT_RULE_SET,
        vetoes=(*DEFAULT_RULE_SET.vetoes, Veto("late_lunch", "Late lunch"), Veto("incident_leak", "x")),
    )
    text = messages(validate_rule_set(rs))
    assert "Unknown veto code late_lunch" in text
    assert "Veto code incident_leak is used more than once." in text


def test_dimension_without_indicators_is_refused():
    dimensions = list(DEFAULT_RULE_SET.dimensions)
    dimensions[5] = dataclasses.replace(dimensions[5], indicators=())
    problems = validate_rule_set(dataclasses.replace(DEFAULT_RULE_SET, dimensions=tuple(dimensions)))
    assert (
        messages(problems) == "Dimension rectification has no indicator; every dimension needs at least one."
    )


def replace_indicator(target: str, changes: dict) -> RuleSet:
    return dataclasses.replace(
        DEFAULT_RULE_SET,
        dimensions=tuple(
            dataclasses.replace(
                d,
                indicators=tuple(
                    dataclasses.replace(i, **changes) if i.code == target else i for i in d.indicators
                ),
            )
            for d in DEFAULT_RULE_SET.dimensions
        ),
    )


@pytest.mark.parametrize(
    ("code", "changes", "expected"),
    [
        ("security.inspection_items", {"code": "security.vibes"}, "Unknown indicator code security.vibes"),
        ("security.inspection_items", {"kind": "magic"}, "unknown kind magic"),
        (
            "security.inspection_items",
            {"kind": AVERAGE_RATING, "parameters": {"scale_min": 1, "scale_max": 5}},
            "kind average_rating cannot be computed from its evidence (ratio)",
        ),
        ("security.inspection_items", {"parameters": {"floor": 0}}, "parameter target is missing"),
        (
            "security.inspection_items",
            {"parameters": {"floor": 0, "target": 1, "bonus": 2}},
            "unknown parameter bonus",
        ),
        (
            "security.inspection_items",
            {"parameters": {"floor": "0.9", "target": "0.5"}},
            "need 0 ≤ floor < target ≤ 1",
        ),
        ("security.inspection_items", {"weight": 0}, "the weight must be a whole number above 0"),
        ("quality.rework", {"parameters": {"per_item": 10, "cap": 150}}, "the cap above 0 and at most 100"),
        ("feedback.quality", {"parameters": {"scale_min": 5, "scale_max": 1}}, "scale minimum must be below"),
        (
            "personnel.qualified_staff",
            {"code": "security.inspection_items"},
            "Indicator code security.inspection_items is used more than once.",
        ),
    ],
)
def test_indicator_problems_are_reported(code, changes, expected):
    assert expected in messages(validate_rule_set(replace_indicator(code, changes)))


def test_min_evidence_below_one_is_refused():
    rs = dataclasses.replace(
        DEFAULT_RULE_SET,
        dimensions=(
            dataclasses.replace(DEFAULT_RULE_SET.dimensions[0], min_evidence=0),
            *DEFAULT_RULE_SET.dimensions[1:],
        ),
    )
    assert "the minimum evidence must be a whole number of at least 1" in messages(validate_rule_set(rs))


def test_scoring_with_an_invalid_rule_set_raises():
    with pytest.raises(InvalidRuleSet) as info:
        score_firm(with_weights(DEFAULT_RULE_SET, filing=14), FirmEvidence(inputs=FULL_INPUTS))
    assert [p.msgid for p in info.value.problems] == [
        "Dimension weights add up to %(total)s; they must add up to exactly 100."
    ]


def test_problems_render_through_a_translator():
    problem = validate_rule_set(with_weights(DEFAULT_RULE_SET, filing=14))[0]
    catalogue = {problem.msgid: "维度权重合计 %(total)s，必须正好为 100。"}
    assert problem.render(lambda s: catalogue.get(s, s)) == "维度权重合计 99，必须正好为 100。"


# --- computation -------------------------------------------------------------------------------------


def test_full_evidence_gives_the_hand_computed_score():
    result = score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs=FULL_INPUTS))
    d = dims(result)
    assert {c: (x.raw, x.points) for c, x in d.items()} == {
        "filing": (D("82.50"), D("12.38")),  # 82.50 × 15 / 100 = 12.375 → 12.38 (half up)
        "personnel": (D("80.00"), D("12.00")),
        "security": (D("95.00"), D("19.00")),
        "quality": (D("85.00"), D("17.00")),
        "feedback": (D("75.00"), D("15.00")),
        "rectification": (D("50.00"), D("5.00")),
    }
    assert all(x.effective_weight == x.weight for x in result.dimensions)
    assert result.status == RATED
    assert result.total_score == D("80.38")
    assert result.grade == "B"
    assert [(i.code, i.share, i.points) for i in d["filing"].indicators] == [
        ("filing.before_start", D("50.00"), D("45.00")),
        ("filing.changes_in_time", D("25.00"), D("12.50")),
        ("filing.completion_in_time", D("25.00"), D("25.00")),
    ]
    assert str(result.explanation[-1]) == "Score 80.38 out of 100; grade B."


def test_deduction_is_taken_off_the_total_and_can_change_the_grade():
    result = score_firm(
        DEFAULT_RULE_SET,
        FirmEvidence(
            inputs=FULL_INPUTS,
            deductions={"liaison.missed_confirmation": 1},
            refs={"liaison.missed_confirmation": ["notice:7"]},
        ),
    )
    assert result.score_before_deductions == D("80.38")
    assert result.deduction_total == D("1.00")
    assert result.total_score == D("79.38")
    assert result.grade == "C"
    assert [(x.code, x.items, x.points, x.refs) for x in result.deductions] == [
        ("liaison.missed_confirmation", 1, D("1.00"), ("notice:7",))
    ]


def test_deduction_is_capped():
    result = score_firm(
        DEFAULT_RULE_SET, FirmEvidence(inputs=FULL_INPUTS, deductions={"incident.device_media_violation": 10})
    )
    assert result.deduction_total == D("15.00")
    assert result.total_score == D("65.38")


def test_indicator_without_evidence_leaves_its_share_to_the_others_in_the_dimension():
    inputs = dict(FULL_INPUTS)
    del inputs["filing.changes_in_time"]
    result = score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs=inputs))
    filing = dims(result)["filing"]
    # weights 2 and 1 over 3 → 66.67 and 33.33; 90 × 66.67% = 60.00 (60.003), 100 × 33.33% = 33.33.
    assert [(i.code, i.share, i.raw, i.points) for i in filing.indicators] == [
        ("filing.before_start", D("66.67"), D("90.00"), D("60.00")),
        ("filing.changes_in_time", D("0.00"), None, None),
        ("filing.completion_in_time", D("33.33"), D("100.00"), D("33.33")),
    ]
    assert filing.raw == D("93.33")
    assert any(m.params_dict.get("indicator") == "Changes re-filed in time" for m in result.explanation)


def test_insufficient_dimension_weight_is_redistributed_proportionally():
    inputs = {k: v for k, v in FULL_INPUTS.items() if not k.startswith("feedback.")}
    inputs["feedback.quality"] = (4, 1)  # one rating: below the 5 required
    result = score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs=inputs))
    d = dims(result)
    assert d["feedback"].insufficient is True
    assert d["feedback"].evidence_count == 1
    assert (d["feedback"].raw, d["feedback"].points, d["feedback"].effective_weight) == (
        None,
        None,
        D("0.00"),
    )
    # 80 remaining weight: 15 → 18.75, 20 → 25.00, 10 → 12.50.
    assert {c: x.effective_weight for c, x in d.items()} == {
        "filing": D("18.75"),
        "personnel": D("18.75"),
        "security": D("25.00"),
        "quality": D("25.00"),
        "feedback": D("0.00"),
        "rectification": D("12.50"),
    }
    # 82.50×18.75% = 15.47 (15.46875), 80×18.75% = 15.00, 95×25% = 23.75, 85×25% = 21.25, 50×12.5% = 6.25.
    assert {c: x.points for c, x in d.items()} == {
        "filing": D("15.47"),
        "personnel": D("15.00"),
        "security": D("23.75"),
        "quality": D("21.25"),
        "feedback": None,
        "rectification": D("6.25"),
    }
    assert result.total_score == D("81.72")
    assert result.grade == "B"
    texts = [str(m) for m in result.explanation]
    assert (
        "Agency feedback has 1 of the 5 evidence items required: insufficient evidence, left out of the score."
        in texts
    )
    spread = next(m for m in result.explanation if m.msgid.startswith("The weight of dimensions without"))
    assert spread.params_dict["spread"] == "20"
    assert "weights" not in spread.params_dict  # no list of codes: one line per dimension, by its name
    shares = [m for m in result.explanation if m.msgid.startswith("%(dimension)s: weight")]
    assert [m.params_dict["dimension"] for m in shares] == [dim.name for dim in DEFAULT_RULE_SET.dimensions
                                                            if dim.code != "feedback"]
    assert all(m.translatable == ("dimension",) for m in shares)


def test_redistribution_that_does_not_divide_evenly_still_adds_up_to_100():
    inputs = {
        k: FULL_INPUTS[k]
        for k in (
            "filing.before_start",
            "filing.changes_in_time",
            "filing.completion_in_time",
            "security.inspection_items",
        )
    }
    result = score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs=inputs))
    d = dims(result)
    # 15/35 = 42.857… and 20/35 = 57.142…: floors 42.85 + 57.14, the spare hundredth to the larger remainder.
    assert (d["filing"].effective_weight, d["security"].effective_weight) == (D("42.86"), D("57.14"))
    assert sum(x.effective_weight for x in result.dimensions) == D("100.00")
    # 82.50 × 42.86% = 35.3595 → 35.36; 95 × 57.14% = 54.283 → 54.28.
    assert (d["filing"].points, d["security"].points) == (D("35.36"), D("54.28"))
    assert result.total_score == D("89.64")
    assert result.grade == "B"


def test_evidence_exactly_at_the_minimum_is_enough():
    one_form = {f"feedback.{aspect}": (4, 1) for aspect in ("quality", "timeliness", "security", "conduct")}
    short = score_firm(
        DEFAULT_RULE_SET, FirmEvidence(inputs={**one_form, "personnel.qualified_staff": (1, 1)})
    )
    assert dims(short)["feedback"].insufficient is True
    assert dims(short)["personnel"].insufficient is False
    assert dims(short)["personnel"].effective_weight == D("100.00")
    assert short.total_score == D("100.00")
    full = score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs={**one_form, "feedback.communication": (4, 1)}))
    assert dims(full)["feedback"].evidence_count == 5
    assert dims(full)["feedback"].insufficient is False
    assert (full.total_score, full.grade) == (D("75.00"), "C")


def test_no_evidence_at_all_is_not_rated():
    result = score_firm(DEFAULT_RULE_SET, FirmEvidence())
    assert result.status == NOT_RATED
    assert (result.total_score, result.grade, result.vetoed) == (None, None, False)
    assert all(d.insufficient and d.points is None for d in result.dimensions)
    assert "No dimension has enough evidence, so no score is given." in [str(m) for m in result.explanation]


def test_evidence_below_every_minimum_is_not_rated():
    result = score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs={"feedback.quality": (16, 4)}))
    assert result.status == NOT_RATED
    assert result.grade is None


def test_no_activity_is_not_rated_even_with_evidence():
    result = score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs=FULL_INPUTS, activity=False))
    assert result.status == NOT_RATED
    assert (result.total_score, result.grade) == (None, None)
    assert all(d.raw is None and d.points is None and d.effective_weight == 0 for d in result.dimensions)
    # The counted inputs are still shown; only the score is withheld.
    assert dims(result)["security"].indicators[0].count == 20
    assert "The firm had no activity in the period, so no score is given." in [
        str(m) for m in result.explanation
    ]


@pytest.mark.parametrize("code", VETO_CODES)
def test_each_veto_forces_grade_d_whatever_the_score(code):
    clean = score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs=PERFECT_INPUTS))
    assert (clean.total_score, clean.grade) == (D("100.00"), "A")
    result = score_firm(
        DEFAULT_RULE_SET,
        FirmEvidence(inputs=PERFECT_INPUTS, vetoes={code}, refs={code: ["incident:3", "incident:3"]}),
    )
    assert result.total_score == D("100.00")
    assert result.grade == "D"
    assert result.vetoed is True
    assert [(v.code, v.refs) for v in result.vetoes] == [(code, ("incident:3",))]
    veto_lines = [m for m in result.explanation if m.msgid.startswith("Veto:")]
    assert len(veto_lines) == 1 and veto_lines[0].params_dict["grade"] == "D"


def test_veto_without_enough_evidence_still_gives_grade_d_but_no_score():
    result = score_firm(DEFAULT_RULE_SET, FirmEvidence(vetoes={"refused_inspection"}))
    assert (result.status, result.grade, result.total_score) == (RATED, "D", None)
    assert str(result.explanation[-1]) == "No score; grade D by veto."


def test_veto_left_out_of_the_rule_set_does_not_apply():
    rs = dataclasses.replace(
        DEFAULT_RULE_SET,
        vetoes=tuple(v for v in DEFAULT_RULE_SET.vetoes if v.code != "administrative_penalty"),
    )
    result = score_firm(rs, FirmEvidence(inputs=PERFECT_INPUTS, vetoes={"administrative_penalty"}))
    assert (result.grade, result.vetoed) == ("A", False)


def test_evidence_refs_are_passed_through_to_the_indicator():
    result = score_firm(
        DEFAULT_RULE_SET,
        FirmEvidence(
            inputs=FULL_INPUTS, refs={"security.inspection_items": ["inspection:9", 4, "inspection:9"]}
        ),
    )
    assert dims(result)["security"].indicators[0].refs == ("inspection:9", "4")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"inputs": {"security.inspection_items": (21, 20)}},
        {"inputs": {"security.inspection_items": (-1, 20)}},
        {"inputs": {"security.inspection_items": (1, 2.5)}},
        {"inputs": {"security.inspection_items": (1,)}},
        {"inputs": {"security.vibes": (1, 2)}},
        {"inputs": {"feedback.quality": (3, 0)}},
        {"deductions": {"incident.fire": 1}},
        {"deductions": {"incident.other": -1}},
        {"vetoes": {"late_lunch"}},
        {"vetoes": "incident_leak"},
        {"refs": {"nothing": ["x"]}},
        {"refs": {"incident_leak": "incident:1"}},
    ],
)
def test_impossible_evidence_is_refused(kwargs):
    with pytest.raises(EvidenceError):
        FirmEvidence(**kwargs)


def test_rating_outside_the_scale_is_refused_when_scoring():
    with pytest.raises(EvidenceError):
        score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs={**FULL_INPUTS, "feedback.quality": (30, 5)}))


def test_grade_for_score_uses_the_bands():
    for score, grade in [
        ("100", "A"),
        ("90", "A"),
        ("89.99", "B"),
        ("89.995", "A"),
        ("80", "B"),
        ("79.99", "C"),
        ("60", "C"),
        ("59.99", "D"),
        ("0", "D"),
    ]:
        assert grade_for_score(DEFAULT_RULE_SET, D(score)) == grade, score


# --- determinism -------------------------------------------------------------------------------------


def test_two_runs_give_identical_json_and_the_json_round_trips():
    evidence = FirmEvidence(
        inputs=FULL_INPUTS,
        deductions={"incident.other": 2},
        vetoes={"incident_leak"},
        refs={"filing.before_start": ["filing:1", "filing:2"]},
    )
    first = score_firm(DEFAULT_RULE_SET, evidence).to_json()
    second = score_firm(
        RuleSet.from_json(DEFAULT_RULE_SET.to_json()),
        FirmEvidence(
            **{
                "inputs": dict(reversed(list(FULL_INPUTS.items()))),
                "deductions": {"incident.other": 2},
                "vetoes": ["incident_leak"],
                "refs": {"filing.before_start": ("filing:1", "filing:2")},
            }
        ),
    ).to_json()
    assert first == second
    assert FirmScoreResult.from_json(first).to_json() == first
    assert FirmScoreResult.from_json(first) == score_firm(DEFAULT_RULE_SET, evidence)


def test_the_callers_decimal_context_does_not_change_the_result():
    expected = score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs=FULL_INPUTS)).to_json()
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = decimal.ROUND_DOWN
        assert score_firm(DEFAULT_RULE_SET, FirmEvidence(inputs=FULL_INPUTS)).to_json() == expected


def pair_for(shape: str):
    if shape == SHAPE_RATIO:
        return st.integers(0, 60).flatmap(lambda total: st.tuples(st.integers(0, total), st.just(total)))
    if shape == SHAPE_ITEMS:
        return st.tuples(st.integers(0, 12), st.integers(0, 12))
    return st.integers(0, 15).flatmap(lambda n: st.tuples(st.integers(n, 5 * n), st.just(n)))


evidence_strategy = st.builds(
    FirmEvidence,
    inputs=st.fixed_dictionaries({}, optional={c: pair_for(s.shape) for c, s in INDICATOR_INPUTS.items()}),
    deductions=st.dictionaries(
        st.sampled_from(["incident.device_media_violation", "incident.other", "liaison.missed_confirmation"]),
        st.integers(0, 8),
    ),
    vetoes=st.frozensets(st.sampled_from(VETO_CODES), max_size=2),
    activity=st.booleans(),
)


def weights_strategy():
    cuts = st.lists(st.integers(1, 99), min_size=5, max_size=5, unique=True).map(sorted)
    return cuts.map(lambda c: [b - a for a, b in zip([0, *c], [*c, 100], strict=True)])


@settings(max_examples=150, deadline=None)
@given(evidence=evidence_strategy, weights=weights_strategy())
def test_score_stays_in_range_and_grade_matches_the_bands(evidence, weights):
    codes = [d.code for d in DEFAULT_RULE_SET.dimensions]
    rule_set = with_weights(DEFAULT_RULE_SET, **dict(zip(codes, weights, strict=True)))
    result = score_firm(rule_set, evidence)
    again = score_firm(rule_set, evidence)
    assert result.to_json() == again.to_json()
    if result.total_score is None:
        assert result.status == NOT_RATED or result.vetoed
        assert result.grade in (None, "D")
        return
    assert D(0) <= result.total_score <= D(100)
    assert result.total_score == result.total_score.quantize(D("0.01"))
    assert sum(d.effective_weight for d in result.dimensions) == D("100.00")
    assert result.score_before_deductions == sum(d.points for d in result.dimensions if d.points is not None)
    for d in result.dimensions:
        if d.raw is not None:
            assert D(0) <= d.raw <= D(100)
            assert d.points <= d.effective_weight
            assert d.raw == sum(i.points for i in d.indicators if i.points is not None)
    expected = (
        "D"
        if result.vetoed
        else next(b.grade for b in rule_set.bands if b.minimum <= result.total_score <= b.maximum)
    )
    assert result.grade == expected
