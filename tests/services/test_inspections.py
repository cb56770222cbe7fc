"""Inspections: checklists, hand planning, weighted random draw with re-run, results, publication."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.errors import NotAllowed, NotFound, ValidationFailed
from portal.extensions import db
from portal.scoring import evidence as scoring_evidence
from portal.supervision import inspections
from portal.supervision.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionDraw,
    InspectionResult,
)
from tests.supervision import builders as sb


@pytest.fixture
def city(build):
    office = build.office()
    lead = build.user("regulator", "lead", office_id=office.id)
    regulators = [build.user("regulator", office_id=office.id) for _ in range(3)]
    return lead, regulators


@pytest.mark.clause("AL42", "DAT68-visitors", "SEC2014-media", "SITE-no-internet", "SITE-media-logged", "SITE-video", "SITE-no-personal-devices", "SITE-signin-visitors", "SITE-wipe")
def test_default_checklists_cover_every_service_type_with_security_items(app):
    assert inspections.ensure_default_templates() == 6
    assert inspections.ensure_default_templates() == 0
    digit = inspections.active_template("digitisation")
    items = inspections.template_items(digit.id)
    codes = {i.code for i in items}
    assert {"A42-1", "A42-5", "D5-3", "D5-4", "S-1", "S-8"} <= codes
    assert all(i.is_security for i in items if i.code.startswith("S-"))
    assert not next(i for i in items if i.code == "D5-1").is_security


def test_lead_edit_creates_a_new_version_and_keeps_the_old(city):
    lead, regulators = city
    inspections.ensure_default_templates()
    db.session.commit()
    old = inspections.active_template("storage")
    with pytest.raises(NotAllowed):
        inspections.edit_template(sb.actor(regulators[0]), old.id, "x", [inspections.ItemInput("a", "b")])
    new = inspections.edit_template(sb.actor(lead), old.id, "Storage v2",
                                    [inspections.ItemInput("X-1", "Shelving is anchored", "local", True)])
    assert new.version == 2 and new.active
    assert not db.session.get(ChecklistTemplate, old.id).active
    assert len(inspections.template_items(old.id)) > 1
    assert [i.code for i in inspections.template_items(new.id)] == ["X-1"]


def test_random_draw_stores_seed_and_candidates_and_reruns_identically(city, build):
    lead, regulators = city
    firms = [build.firm(inspection_weight=w) for w in (1, 2, 4, 1, 0.5)]
    record = inspections.random_draw(sb.actor(regulators[0]), 2, "firm")
    assert len(record.chosen) == 2 and len(record.candidates) == len(firms)
    assert {c["weight"] for c in record.candidates} >= {"4.00", "0.50"}
    planned = list(db.session.scalars(select(Inspection).where(Inspection.draw_id == record.id)))
    assert len(planned) == 2 and all(i.kind == "random" for i in planned)
    pair = {planned[0].inspector1_id, planned[0].inspector2_id}
    assert len(pair) == 2 and pair <= {u.id for u in [lead, *regulators]}
    rerun = inspections.rerun_draw(sb.actor(regulators[1]), record.id)
    assert rerun.matches
    # Tampering with the stored result is detected by the re-run.
    record.chosen = list(reversed(record.chosen)) if record.chosen[0] != record.chosen[1] else record.chosen
    record.chosen = [c for c in record.chosen] + ["firm:999"]
    db.session.commit()
    assert not inspections.rerun_draw(sb.actor(regulators[1]), record.id).matches


def test_district_draw_only_takes_its_district_and_its_inspectors(build):
    office = build.office("district", "510503")
    mine = [build.user("regulator", office_id=office.id) for _ in range(2)]
    build.user("regulator")  # a city regulator is not in the district pool
    inside = [build.firm(district_code="510503") for _ in range(3)]
    build.firm(district_code="510502")
    record = inspections.random_draw(sb.actor(mine[0]), 3, "firm")
    assert sorted(record.chosen) == sorted(f"firm:{f.id}" for f in inside)
    assert sorted(record.inspectors) == sorted(u.id for u in mine)
    assert record.district_code == "510503"
    other_district = build.district_regulator("510502")
    with pytest.raises(NotFound):
        inspections.get_draw(sb.actor(other_district), record.id)


def test_draw_of_projects_targets_active_filings(city, build):
    lead, regulators = city
    firm = build.firm()
    live = build.filing(firm=firm, status="in_progress")
    build.filing(firm=firm, status="closed")
    record = inspections.random_draw(sb.actor(regulators[0]), 1, "filing")
    assert record.chosen == [f"filing:{live.id}"]
    inspection = db.session.scalar(select(Inspection).where(Inspection.draw_id == record.id))
    assert inspection.filing_id == live.id and inspection.firm_id == firm.id


@pytest.mark.clause("AL42")
def test_record_results_requires_every_item_and_a_note_on_failures(city, build):
    lead, regulators = city
    firm = build.firm()
    actor = sb.actor(regulators[0])
    inspection = inspections.plan_inspection(actor, firm.id, clock.today() + timedelta(days=3),
                                             regulators[0].id, regulators[1].id)
    items = inspections.template_items(inspection.template_id)
    with pytest.raises(ValidationFailed):
        inspections.record_results(actor, inspection.id, [inspections.ItemResult(items[0].id, "pass")])
    results = [inspections.ItemResult(i.id, "pass") for i in items]
    results[-1] = inspections.ItemResult(items[-1].id, "fail", "")
    with pytest.raises(ValidationFailed):
        inspections.record_results(actor, inspection.id, results)
    results[-1] = inspections.ItemResult(items[-1].id, "fail", "USB stick not logged")
    inspections.record_results(actor, inspection.id, results, "One security failure")
    assert db.session.get(Inspection, inspection.id).status == "checked"
    with pytest.raises(ValidationFailed):
        inspections.conclude(actor, inspection.id, "pass")
    stored = db.session.scalars(select(InspectionResult).where(InspectionResult.inspection_id == inspection.id)).all()
    assert [r.result for r in stored].count("fail") == 1
    security = sum(1 for i in items if i.is_security)
    evidence = scoring_evidence.collect(clock.today() - timedelta(days=1), clock.today())
    assert evidence.inputs[firm.id]["security.inspection_items"] == (security - 1, security)


def test_planning_refuses_inspectors_outside_the_jurisdiction(build):
    d = build.district_regulator("510503")
    other = build.district_regulator("510502")
    firm = build.firm(district_code="510503")
    with pytest.raises(ValidationFailed):
        inspections.plan_inspection(sb.actor(d), firm.id, clock.today(), d.id, other.id)
    foreign = build.firm(district_code="510502")
    with pytest.raises(NotFound):
        inspections.plan_inspection(sb.actor(d), foreign.id, clock.today(), d.id, d.id)


def test_refusal_is_recorded_and_counts_as_evidence(city, build):
    lead, regulators = city
    firm = build.firm()
    actor = sb.actor(regulators[0])
    inspection = inspections.plan_inspection(actor, firm.id, clock.today(), regulators[0].id, regulators[1].id)
    inspections.record_refusal(actor, inspection.id, "Gate closed; manager refused entry")
    inspection = db.session.get(Inspection, inspection.id)
    assert inspection.refused and inspection.status == "checked"
    evidence = scoring_evidence.collect(clock.today() - timedelta(days=1), clock.today())
    assert evidence.vetoes[firm.id] == {"refused_inspection"}
    assert evidence.refs[firm.id]["refused_inspection"] == [f"inspection:{inspection.id}"]


def test_only_the_lead_publishes_and_only_concluded_inspections(city, build):
    lead, regulators = city
    firm = build.firm()
    actor = sb.actor(regulators[0])
    inspection = inspections.plan_inspection(actor, firm.id, clock.today(), regulators[0].id, regulators[1].id)
    from portal.core.errors import Conflict

    with pytest.raises(Conflict):
        inspections.publish(sb.actor(lead), inspection.id)
    items = inspections.template_items(inspection.template_id)
    inspections.record_results(actor, inspection.id, [inspections.ItemResult(i.id, "pass") for i in items])
    inspections.conclude(actor, inspection.id, "pass")
    with pytest.raises(NotAllowed):
        inspections.publish(actor, inspection.id)
    inspections.publish(sb.actor(lead), inspection.id)
    assert db.session.get(Inspection, inspection.id).published


def test_draw_record_keeps_candidates_for_audit(city, build):
    lead, regulators = city
    build.firm()
    build.firm()
    record = inspections.random_draw(sb.actor(lead), 1, "firm", seed="fixed-seed")
    again = inspections.random_draw(sb.actor(lead), 1, "firm", seed="fixed-seed")
    assert record.chosen == again.chosen
    assert db.session.scalar(select(InspectionDraw.seed).where(InspectionDraw.id == record.id)) == "fixed-seed"
    assert db.session.scalar(select(ChecklistItem.id).limit(1)) is not None


def test_district_with_one_regulator_draws_inspectors_from_district_and_city(build):
    district = build.district_regulator("510504")
    city = [build.user("regulator") for _ in range(2)]
    build.firm(district_code="510504")
    record = inspections.random_draw(sb.actor(district), 1, "firm")
    assert sorted(record.inspectors) == sorted([district.id] + [u.id for u in city])
    assert record.params["pool"] == "district+city"
    assert inspections.rerun_draw(sb.actor(district), record.id).matches
