"""Pure rules of project filings (no Flask, no SQLAlchemy): the acceptance sampling rule."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from portal.core.msgids import N_


@dataclass(frozen=True)
class AcceptanceThresholds:
    """The bureau's acceptance practice (local rules): minimum sampled share and minimum pass rate, in %."""
    min_sampled_percent: Decimal
    min_pass_rate: Decimal


def sampled_percent(sample_size: int, delivered: int) -> Decimal:
    """Share of the delivered units that were sampled, in percent (0 when nothing was delivered)."""
    if delivered <= 0:
        return Decimal(0)
    return Decimal(sample_size) * 100 / Decimal(delivered)


def acceptance_meets_rule(sample_size: int, delivered: int, pass_rate: Decimal,
                          thresholds: AcceptanceThresholds) -> dict[str, list[tuple[str, dict]]]:
    """Why this figure cannot be recorded as a passed acceptance, by form field; empty when it can.

    A sample smaller than the minimum share of the delivered units proves nothing, and a pass rate below
    the minimum fails the acceptance: either way the work cannot be accepted.
    """
    errors: dict[str, list[tuple[str, dict]]] = {}
    if sampled_percent(sample_size, delivered) < thresholds.min_sampled_percent:
        errors["sample_size"] = [(N_("Too few units sampled: accepting the work needs at least %(percent)s%% of the "
                                    "delivered units sampled."), {"percent": _figure(thresholds.min_sampled_percent)})]
    if Decimal(pass_rate) < thresholds.min_pass_rate:
        errors["pass_rate"] = [(N_("A pass rate below %(percent)s%% fails the acceptance: record it as failed, with "
                                  "the rectification opinion."), {"percent": _figure(thresholds.min_pass_rate)})]
    return errors


def _figure(value: Decimal) -> str:
    """A threshold as people write it: 5, 95, 97.5 (no trailing zeros)."""
    text = format(Decimal(value).normalize(), "f")
    return text
