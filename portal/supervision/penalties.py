"""Penalty bounds: Archives Law Art. 49 fines a service firm CNY 20,000–200,000 for Art. 48 (1)(2)(4) acts."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from portal.core.msgids import N_

FINE_MIN = Decimal("20000")
FINE_MAX = Decimal("200000")

# code → (label msgid, fine bounded by Art. 49)
LEGAL_BASES: dict[str, tuple[str, bool]] = {
    "art48_1": (N_("Archives Law Art. 48 (1): loss of archives"), True),
    "art48_2": (N_("Archives Law Art. 48 (2): providing, copying or publishing archives without authority"), True),
    "art48_4": (N_("Archives Law Art. 48 (4): tampering with, damaging or destroying archives"), True),
    "art48_7": (N_("Archives Law Art. 48 (7): knowingly leaving a security hazard unremedied"), False),
    "regulations_51": (N_("Implementation Regulations Art. 51: summons and order to correct"), False),
}


class PenaltyError(ValueError):
    """A penalty amount or basis is not acceptable (msgid in ``args[0]``, parameters in ``args[1]``)."""


def check_amount(basis: str, amount: Decimal | str | int | None) -> Decimal | None:
    """The amount as a Decimal, checked against the bounds of the legal basis; None for warning-only cases."""
    if basis not in LEGAL_BASES:
        raise PenaltyError(N_("Choose a legal basis."), {})
    bounded = LEGAL_BASES[basis][1]
    if amount in (None, ""):
        if bounded:
            raise PenaltyError(N_("A fine between CNY %(min)s and %(max)s is required for this legal basis."),
                               {"min": "20,000", "max": "200,000"})
        return None
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise PenaltyError(N_("Enter the amount as a number."), {}) from exc
    if value < 0:
        raise PenaltyError(N_("Enter the amount as a number."), {})
    if bounded and not FINE_MIN <= value <= FINE_MAX:
        raise PenaltyError(N_("A fine between CNY %(min)s and %(max)s is required for this legal basis."),
                           {"min": "20,000", "max": "200,000"})
    return value
