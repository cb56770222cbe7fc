"""The acceptance rule is enforced where acceptance is decided: a passed acceptance needs at least the
minimum share of the delivered units sampled and a pass rate not below the minimum (local rules)."""
from decimal import Decimal

import pytest

from portal.core import local_rules
from portal.core.errors import ValidationFailed
from portal.extensions import db
from portal.filings import service as filings
from portal.filings.models import ProjectFiling
from portal.filings.rules import AcceptanceThresholds, acceptance_meets_rule
from tests.filings.builders import FilingWorld, acting_as

DEFAULT = AcceptanceThresholds(min_sampled_percent=Decimal(5), min_pass_rate=Decimal(95))


@pytest.fixture
def world(build):
    return FilingWorld(build)


def _completed(world) -> ProjectFiling:
    # Delivered: 2,000 volumes (the builder's completion report).
    return world.advance(world.submitted(), "confirm", "register", "start_work", "complete")


def _fresh(filing) -> ProjectFiling:
    db.session.expire_all()
    return db.session.get(ProjectFiling, filing.id)


@pytest.mark.clause("ACCEPT-sampling")
def test_rule_refuses_small_samples_and_low_pass_rates():
    assert acceptance_meets_rule(100, 2000, Decimal(95), DEFAULT) == {}
    assert set(acceptance_meets_rule(99, 2000, Decimal(95), DEFAULT)) == {"sample_size"}
    assert set(acceptance_meets_rule(100, 2000, Decimal("94.99"), DEFAULT)) == {"pass_rate"}
    assert set(acceptance_meets_rule(1, 2000, Decimal(92), DEFAULT)) == {"sample_size", "pass_rate"}
    assert set(acceptance_meets_rule(10, 0, Decimal(100), DEFAULT)) == {"sample_size"}


@pytest.mark.clause("ACCEPT-sampling")
@pytest.mark.clause("LOCAL-acceptance_min_pass_rate")
def test_passed_at_92_percent_is_refused_and_nothing_saved(world):
    filing = _completed(world)
    with acting_as(world.agency_user), pytest.raises(ValidationFailed) as exc:
        filings.record_acceptance(filing.id, passed=True, sample_size=200, pass_rate=92)
    assert set(exc.value.field_errors) == {"pass_rate"}
    filing = _fresh(filing)
    assert filing.status == "completed" and filing.acceptance_attempts == 0
    assert filing.acceptance_pass_rate is None


@pytest.mark.clause("ACCEPT-sampling")
@pytest.mark.clause("LOCAL-acceptance_min_sampled_percent")
def test_passed_with_too_small_a_sample_is_refused(world):
    filing = _completed(world)
    with acting_as(world.agency_user), pytest.raises(ValidationFailed) as exc:
        filings.record_acceptance(filing.id, passed=True, sample_size=99, pass_rate=100, sample_unit="volumes")
    assert set(exc.value.field_errors) == {"sample_size"}
    assert _fresh(filing).status == "completed"
    with acting_as(world.agency_user):
        filings.record_acceptance(filing.id, passed=True, sample_size=100, pass_rate=95, sample_unit="volumes")
    filing = _fresh(filing)
    assert filing.status == "accepted" and filing.acceptance_sample_unit == "volumes"


@pytest.mark.clause("LOCAL-acceptance_min_pass_rate")
@pytest.mark.clause("LOCAL-acceptance_min_sampled_percent")
def test_thresholds_follow_the_recorded_local_rules(world):
    filing = _completed(world)
    with acting_as(world.regulator):
        local_rules.set_rule("acceptance_min_pass_rate", 90, "pilot year")
        local_rules.set_rule("acceptance_min_sampled_percent", 10, "pilot year")
    with acting_as(world.agency_user), pytest.raises(ValidationFailed) as exc:
        filings.record_acceptance(filing.id, passed=True, sample_size=100, pass_rate=92)
    assert set(exc.value.field_errors) == {"sample_size"}
    with acting_as(world.agency_user):
        filings.record_acceptance(filing.id, passed=True, sample_size=200, pass_rate=92)
    assert _fresh(filing).status == "accepted"


def test_a_unit_not_delivered_is_refused(world):
    filing = _completed(world)
    with acting_as(world.agency_user), pytest.raises(ValidationFailed) as exc:
        filings.record_acceptance(filing.id, passed=True, sample_size=5000, pass_rate=100, sample_unit="pages")
    assert set(exc.value.field_errors) == {"sample_unit"}


@pytest.mark.clause("ACCEPT-sampling")
def test_failing_figure_may_still_be_recorded_as_failed(world):
    filing = _completed(world)
    with acting_as(world.agency_user):
        filings.record_acceptance(filing.id, passed=False, sample_size=20, pass_rate=80, opinion="Redo the scans")
    assert _fresh(filing).status == "in_progress"


@pytest.mark.clause("LOCAL-acceptance_min_pass_rate")
def test_page_states_the_thresholds_and_refuses_in_chinese(client, login, world):
    filing = _completed(world)
    with acting_as(world.regulator):
        local_rules.set_rule("acceptance_min_pass_rate", 97, "stricter")
    login(world.agency_user)
    page = client.get(f"/filings/{filing.id}/acceptance?lang=zh_CN").get_data(as_text=True)
    assert "97%" in page and "5%" in page and "95%" not in page
    response = client.post(f"/filings/{filing.id}/acceptance?lang=zh_CN",
                           data={"version": filing.version_id, "sample_size": "200", "sample_unit": "volumes",
                                 "pass_rate": "96", "accept": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "低于97%" in page
    assert _fresh(filing).status == "completed"
