"""Archives Law Art. 49 bounds: CNY 20,000–200,000 for Art. 48 (1)(2)(4) cases."""
from decimal import Decimal

import pytest

from portal.supervision.penalties import PenaltyError, check_amount


@pytest.mark.clause("AL48")
@pytest.mark.parametrize("amount", ["20000", "200000", "150000.50"])
def test_amount_within_bounds_is_accepted(amount):
    assert check_amount("art48_1", amount) == Decimal(amount).quantize(Decimal("0.01"))


@pytest.mark.clause("AL48")
@pytest.mark.parametrize("amount", ["19999.99", "200000.01", "0", None, "abc", "-5"])
def test_amount_outside_bounds_is_refused_for_bounded_bases(amount):
    with pytest.raises(PenaltyError):
        check_amount("art48_4", amount)


def test_warning_only_basis_needs_no_amount_and_unknown_basis_is_refused():
    assert check_amount("art48_7", None) is None
    with pytest.raises(PenaltyError):
        check_amount("nope", "30000")
