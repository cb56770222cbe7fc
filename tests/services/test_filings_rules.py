"""Submission rules: each refusal names what is missing; nothing is submitted or numbered."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core import local_rules as rules
from portal.core.errors import ValidationFailed
from portal.extensions import db
from portal.filings import service as filings
from portal.filings.models import ProjectFiling
from portal.firms.models import Certificate
from tests.filings.builders import FilingWorld, acting_as, licence


@pytest.fixture
def world(build):
    return FilingWorld(build)


def english(msgid: str, params: dict) -> str:
    """The message as an English reader sees it (msgids are English; "msg:" params are msgids too)."""
    return msgid % {k: v[4:] if isinstance(v, str) and v.startswith("msg:") else v for k, v in params.items()}


def _refusal(world, filing) -> dict[str, list[str]]:
    with acting_as(world.vendor), pytest.raises(ValidationFailed) as exc:
        filings.submit_filing(filing.id)
    db.session.expire_all()
    stored = db.session.get(ProjectFiling, filing.id)
    assert stored.status == "draft" and stored.number is None
    return {field: [english(m, p) for m, p in items] for field, items in exc.value.field_errors.items()}


def _all(messages: dict) -> str:
    return " | ".join(m for items in messages.values() for m in items)


@pytest.mark.clause("DAT68-training", "DAT68-contract")
def test_filing_submit_rejected_when_staff_untrained(build, world):
    trainee = build.staff(world.firm, name="Zhao Liu", training_days=3)
    no_contract = build.staff(world.firm, name="Sun Qi", contract_date=None, assessment_passed=False)
    filing = world.draft()
    with acting_as(world.vendor):
        filings.save_draft({}, filing_id=filing.id, staff_ids=[trainee.id, no_contract.id])
    text = " | ".join(_refusal(world, filing)["staff_ids"])
    assert "Zhao Liu lacks at least 5 training days" in text
    assert "Sun Qi lacks a labour contract" in text and "Sun Qi lacks a passed assessment" in text
    assert "Zhao Liu lacks a labour contract" not in text


@pytest.mark.clause("DAT68-confidentiality", "SEC2014-agreement")
def test_filing_submit_rejected_without_commitment(build, world):
    member = build.staff(world.firm, name="Qian Ba", commitment_date=None)
    filing = world.draft()
    with acting_as(world.vendor):
        filings.save_draft({}, filing_id=filing.id, staff_ids=[member.id])
    assert "Qian Ba lacks a confidentiality commitment" in _all(_refusal(world, filing))


def test_filing_submit_rejected_without_staff(world):
    filing = world.draft()
    with acting_as(world.vendor):
        filings.save_draft({}, filing_id=filing.id, staff_ids=[])
    assert "at least one staff member" in _all(_refusal(world, filing))


def test_staff_who_left_the_roster_cannot_be_assigned(build, world):
    gone = build.staff(world.firm, name="Gone Away", active=False)
    with acting_as(world.vendor), pytest.raises(ValidationFailed) as exc:
        filings.save_draft({"title": "x", "agency_id": world.agency.id}, staff_ids=[gone.id])
    assert "staff_ids" in exc.value.field_errors


def test_another_firms_staff_cannot_be_assigned(build, world):
    stranger = build.staff(build.firm(), name="Stranger")
    with acting_as(world.vendor), pytest.raises(ValidationFailed):
        filings.save_draft({"title": "x", "agency_id": world.agency.id}, staff_ids=[stranger.id])


def test_filing_submit_rejected_without_non_classified_declaration(world):
    filing = world.draft(non_classified_declared=False)
    assert "not classified" in _all(_refusal(world, filing))


@pytest.mark.clause("DAT68-plan")
@pytest.mark.parametrize("field,part", [
    ("plan_goals", "Goals"),
    ("plan_procedure", "Scope and procedure"),
    ("plan_hardware_software", "Hardware and software"),
    ("plan_staffing", "Staffing and duties"),
    ("plan_indicators", "Technical indicators"),
    ("plan_acceptance_basis", "Acceptance basis"),
    ("plan_security", "Security measures"),
    ("plan_schedule", "Schedule"),
    ("plan_risk_control", "Risk control"),
])
def test_filing_submit_rejected_when_the_work_plan_misses_a_part(world, field, part):
    filing = world.draft(**{field: " "})
    assert _refusal(world, filing)[field] == [f"The work plan must state its {part} (DA/T 68.2 §5)."]


@pytest.mark.clause("AL24")
@pytest.mark.parametrize("field,text", [
    ("contract_scope", "service scope"),
    ("quality_standard", "quality standard"),
    ("technical_standard", "technical standard"),
])
def test_filing_submit_rejected_without_contract_terms(world, field, text):
    filing = world.draft(**{field: "  "})
    assert text in " ".join(_refusal(world, filing)[field])


def test_filing_submit_rejected_when_dates_incoherent(world):
    today = clock.today()
    filing = world.draft(start_date=today + timedelta(days=30), end_date=today + timedelta(days=10))
    assert "end date must not be before" in " ".join(_refusal(world, filing)["end_date"])


def test_filing_submit_rejected_without_dates(world):
    filing = world.draft(start_date=None, end_date=None)
    errors = _refusal(world, filing)
    assert "start_date" in errors and "end_date" in errors


def test_off_site_work_needs_reason_and_safeguards(world):
    filing = world.draft(site_type="off_site")
    errors = _refusal(world, filing)
    assert {"off_site_reason", "off_site_safeguards", "site_address"} <= set(errors)


def test_agency_must_be_chosen(world):
    with acting_as(world.vendor), pytest.raises(ValidationFailed) as exc:
        filings.save_draft({"title": "No agency", "agency_id": None})
    assert "agency_id" in exc.value.field_errors


def test_filing_submit_rejected_when_firm_not_active(world):
    world.firm.status = "suspended"
    db.session.commit()
    assert "only active firms can file" in _all(_refusal(world, world.draft()))


def test_expiring_firm_may_still_file(world):
    world.firm.status = "expiring"
    db.session.commit()
    with acting_as(world.vendor):
        assert filings.submit_filing(world.draft().id).status == "submitted"


def test_filing_submit_rejected_when_registration_expired(world):
    world.firm.valid_until = clock.today() - timedelta(days=1)
    db.session.commit()
    assert "registration expired on" in _all(_refusal(world, world.draft()))


def test_filing_submit_rejected_naming_each_expired_certificate(build):
    world = FilingWorld(build)
    world.firm.secrecy_level = "level-3"
    db.session.commit()
    for cert in db.session.scalars(select(Certificate)):
        cert.expires_on = clock.today() - timedelta(days=3)
        cert.number = "BL-OLD-77"
    db.session.commit()
    text = _all(_refusal(world, world.draft()))
    assert "Business licence (No. BL-OLD-77) expired" in text
    assert "No Secrecy qualification is on record" in text


def test_current_secrecy_qualification_satisfies_the_rule(build):
    world = FilingWorld(build)
    world.firm.secrecy_level = "level-3"
    db.session.commit()
    licence(world.firm, cert_type="secrecy_qualification", number="SQ-1")
    with acting_as(world.vendor):
        assert filings.submit_filing(world.draft().id).status == "submitted"


@pytest.mark.clause("LOCAL-block_negative_listed_filings")
def test_negative_listed_firm_blocked_while_local_rule_on(world):
    draft = world.draft()  # saved before the listing; a new draft is refused outright (see tests/filings)
    world.firm.negative_list_until = clock.today() + timedelta(days=200)
    db.session.commit()
    assert "negative list" in _all(_refusal(world, draft))


@pytest.mark.clause("LOCAL-block_negative_listed_filings")
def test_negative_listed_firm_may_file_when_local_rule_off(world):
    world.firm.status = "negative_listed"
    world.firm.negative_list_until = clock.today() + timedelta(days=200)
    db.session.commit()
    with acting_as(world.regulator):
        rules.set_rule("block_negative_listed_filings", False, "trial period")
    with acting_as(world.vendor):
        assert filings.submit_filing(world.draft().id).status == "submitted"


def test_platform_user_below_real_name_level_3_cannot_submit(world):
    world.vendor.gov_real_name_level = 2
    db.session.commit()
    assert "real-name level 2" in _all(_refusal(world, world.draft()))


def test_platform_user_at_real_name_level_3_may_submit(world):
    world.vendor.gov_real_name_level = 3
    db.session.commit()
    with acting_as(world.vendor):
        assert filings.submit_filing(world.draft().id).status == "submitted"


def test_filing_submitted_after_start_is_accepted_but_late(world):
    filing = world.draft(start_date=clock.today() - timedelta(days=3),
                         contract_date=clock.today() - timedelta(days=20))
    with acting_as(world.vendor):
        filing = filings.submit_filing(filing.id)
    assert filing.status == "submitted" and filing.is_late is True


def test_filing_submitted_before_start_is_not_late(world):
    assert world.submitted().is_late is False


def test_refusal_lists_every_problem_at_once(build, world):
    world.firm.status = "suspended"
    db.session.commit()
    filing = world.draft(non_classified_declared=False, quality_standard="")
    errors = _refusal(world, filing)
    assert {"", "non_classified_declared", "quality_standard"} <= set(errors)
