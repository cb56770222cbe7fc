"""portal.core.access: one rule per resource, OR-ed over an actor's roles, asked of the database by
`visible`, `can_see` and `get_visible` alike; and the rule exists once in the code."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.core import access
from portal.core.context import Actor, reset_actor, set_actor
from portal.core.errors import NotFound
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.incidents.models import Incident
from portal.orgs.models import Agency
from portal.scoring.models import FirmScore
from portal.supervision.models import Alert, Inspection, Notice, RectificationOrder
from portal.web.context import actor_for_user
from tests.core.world import build_world

# role -> names of the rows it sees, per resource (World attribute, model).
EXPECTED = {
    ("filings", ProjectFiling): {
        "regulator": {"p1", "p2", "p3"}, "lead": {"p1", "p2", "p3"}, "district": {"p1", "p3"},
        "vendor": {"p1", "p2", "p5"}, "agency": {"p1", "p3"}, "vendor_agency": {"p1", "p3", "p4"},
    },
    ("firms", Firm): {
        "regulator": {"f1", "f2"}, "lead": {"f1", "f2"}, "district": {"f1"}, "vendor": {"f1"}, "agency": set(),
        "vendor_agency": {"f2"},
    },
    ("agencies", Agency): {
        "regulator": {"a1", "a2"}, "lead": {"a1", "a2"}, "district": {"a1"}, "vendor": {"a1", "a2"},
        "agency": {"a1"}, "vendor_agency": {"a1", "a2"},
    },
    ("feedback", Feedback): {
        "regulator": {"p1", "p2", "p3"}, "lead": {"p1", "p2", "p3"}, "district": {"p1", "p3"},
        "vendor": {"p1", "p2"}, "agency": {"p1", "p3"}, "vendor_agency": {"p1", "p3"},
    },
    ("incidents", Incident): {
        "regulator": {"p1", "p2", "p3", "f2-own"}, "lead": {"p1", "p2", "p3", "f2-own"}, "district": {"p1", "p3"},
        "vendor": {"p1", "p2"}, "agency": {"p1", "p3"}, "vendor_agency": {"p1", "p3", "f2-own"},
    },
    ("inspections", Inspection): {
        "regulator": {"f1-checked", "f1-planned", "f2-checked"}, "lead": {"f1-checked", "f1-planned", "f2-checked"},
        "district": {"f1-checked", "f1-planned"}, "vendor": {"f1-checked"}, "agency": set(),
        "vendor_agency": {"f2-checked"},
    },
    ("orders", RectificationOrder): {
        "regulator": {"f1", "f2"}, "lead": {"f1", "f2"}, "district": {"f1"}, "vendor": {"f1"}, "agency": set(),
        "vendor_agency": {"f2"},
    },
    ("alerts", Alert): {
        "regulator": {"f1", "f2"}, "lead": {"f1", "f2"}, "district": {"f1"}, "vendor": set(), "agency": set(),
        "vendor_agency": set(),
    },
    ("scores", FirmScore): {
        "regulator": {"2026Q1-f1", "2026Q1-f2", "2026Q2-f1", "2026Q2-f2"},
        "lead": {"2026Q1-f1", "2026Q1-f2", "2026Q2-f1", "2026Q2-f2"},
        "district": {"2026Q1-f1", "2026Q2-f1"}, "vendor": {"2026Q1-f1"}, "agency": set(),
        "vendor_agency": {"2026Q1-f2"},
    },
    ("notices", Notice): {
        "regulator": {"f1", "f2"}, "lead": {"f1", "f2"}, "district": {"f1", "f2"}, "vendor": {"f1"},
        "agency": set(), "vendor_agency": {"f2"},
    },
}
ROLES = ("regulator", "lead", "district", "vendor", "agency", "vendor_agency")


@pytest.fixture
def world(app, build):
    return build_world(build)


@pytest.mark.parametrize("role", ROLES)
def test_visible_can_see_and_get_visible_agree_with_the_rule(world, role):
    actor = actor_for_user(world.users[role])
    for (kind, model), by_role in EXPECTED.items():
        expected = world.ids(kind, *by_role[role])
        assert set(db.session.scalars(select(model.id).where(access.visible(actor, model)))) == expected, kind
        for name, row in getattr(world, kind).items():
            assert access.can_see(actor, row) is (row.id in expected), (kind, name)
            if row.id in expected:
                assert access.get_visible(actor, model, row.id).id == row.id
            else:
                with pytest.raises(NotFound):
                    access.get_visible(actor, model, row.id)


def test_a_user_with_two_roles_sees_the_union_of_both(world):
    actor = actor_for_user(world.users["vendor_agency"])
    firm_only = access.visible(Actor(roles=("vendor",), firm_id=actor.firm_id), ProjectFiling)
    agency_only = access.visible(Actor(roles=("agency",), agency_id=actor.agency_id), ProjectFiling)
    both = access.visible(actor, ProjectFiling)

    def ids(condition):
        return set(db.session.scalars(select(ProjectFiling.id).where(condition)))

    assert ids(firm_only) == world.ids("filings", "p3", "p4")
    assert ids(agency_only) == world.ids("filings", "p1", "p3")
    assert ids(both) == ids(firm_only) | ids(agency_only)


def test_jurisdiction_predicates():
    city, district = Actor(roles=("regulator",)), Actor(roles=("lead",), district_code="510502")
    firm_user = Actor(roles=("vendor",), firm_id=1, district_code="510502")
    assert access.in_jurisdiction(city, "510503") and access.in_jurisdiction(district, "510502")
    assert not access.in_jurisdiction(district, "510503")
    assert not access.in_jurisdiction(firm_user, "510502")  # a firm user has no jurisdiction
    with pytest.raises(NotFound):
        access.require_supervisor(firm_user)


def test_is_supervisor_is_defined_once_and_core_jurisdiction_is_gone():
    root = Path(__file__).resolve().parents[2] / "portal"
    definitions = [str(p.relative_to(root)) for p in root.rglob("*.py")
                   if re.search(r"^\s*def _?is_supervisor\(|^\s*def _supervisor\(", p.read_text("utf-8"), re.M)]
    assert definitions == ["core/access.py"]
    assert not (root / "core" / "jurisdiction.py").exists()


@pytest.mark.parametrize("role", ["agency", "regulator", "district"])
def test_incident_report_on_a_draft_is_not_found_like_a_missing_filing(world, role):
    """The old filing_condition did not hide drafts: the report reached the state check and answered
    "registered projects only", which told an agency or a regulator that the draft exists."""
    from datetime import datetime

    from portal.incidents import service

    token = set_actor(actor_for_user(world.users[role]))
    try:
        for filing_id in (world.filings["p5"].id, 999999):
            report = service.IncidentReport(filing_id=filing_id, incident_type="other", severity="low",
                                            occurred_at=datetime(2026, 1, 5, 2), description="Something went missing.")
            with pytest.raises(NotFound):
                service.report_incident(report)
    finally:
        reset_actor(token)
