"""Who may read, download and act on a filing: 404 and nothing changed for everyone else."""
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.core.models import Attachment, AuditEvent
from portal.extensions import db
from portal.filings.models import ProjectFiling
from tests.filings.builders import PDF, FilingWorld, acting_as


@pytest.fixture
def world(build):
    return FilingWorld(build)


@pytest.fixture
def filing_with_doc(world):
    from portal.filings import service as filings

    filing = world.submitted()
    with acting_as(world.vendor):
        filings.add_attachment(filing.id, "contract", "contract.pdf", PDF)
    return filing


def _doc_id(filing):
    return db.session.scalar(select(Attachment.id).where(Attachment.owner_type == "filing",
                                                         Attachment.owner_id == filing.id))


def _state(filing):
    db.session.expire_all()
    row = db.session.get(ProjectFiling, filing.id)
    return row.status, row.version_id, row.title


def _assert_locked_out(client, filing, actions=("confirm", "register", "start_work", "submit")):
    before = _state(filing)
    assert client.get(f"/filings/{filing.id}").status_code == 404
    assert client.get(f"/filings/{filing.id}/receipt").status_code == 404
    assert client.get(f"/files/{_doc_id(filing)}").status_code == 404
    for action in actions:
        assert client.post(f"/filings/{filing.id}/act/{action}", data={"reason": "x"}).status_code in (403, 404)
    assert _state(filing) == before


def test_other_firm_user_cannot_read_download_or_act(build, client, login, filing_with_doc):
    stranger = build.user("vendor")
    login(stranger)
    _assert_locked_out(client, filing_with_doc)
    assert client.post(f"/filings/{filing_with_doc.id}/edit", data={"title": "hijacked"}).status_code == 404
    assert client.post(f"/filings/{filing_with_doc.id}/attachments",
                       data={"kind": "other", "file": (BytesIO(PDF), "x.pdf")},
                       content_type="multipart/form-data").status_code == 404
    assert db.session.scalar(select(func.count(Attachment.id))) == 1


def test_agency_user_sees_only_filings_naming_its_agency(build, client, login, world, filing_with_doc):
    other_agency_user = build.user("agency")
    login(other_agency_user)
    _assert_locked_out(client, filing_with_doc)
    client.post("/auth/logout")
    login(world.agency_user)
    assert client.get(f"/filings/{filing_with_doc.id}").status_code == 200
    assert client.get(f"/files/{_doc_id(filing_with_doc)}").status_code == 200


def test_agency_does_not_see_drafts_naming_it(client, login, world):
    draft = world.draft()
    login(world.agency_user)
    assert client.get(f"/filings/{draft.id}").status_code == 404


def test_district_regulator_only_in_its_district(build, client, login, world, filing_with_doc):
    login(build.district_regulator("510503"))
    _assert_locked_out(client, filing_with_doc)
    client.post("/auth/logout")
    login(world.district_regulator)
    assert client.get(f"/filings/{filing_with_doc.id}").status_code == 200


def test_city_regulator_sees_every_district(client, login, world, filing_with_doc):
    login(world.regulator)
    assert client.get(f"/filings/{filing_with_doc.id}").status_code == 200
    assert client.get(f"/files/{_doc_id(filing_with_doc)}").status_code == 200


def test_admin_roles_cannot_open_filings(build, client, login, filing_with_doc):
    login(build.user("sysadmin"))
    assert client.get("/filings/").status_code == 403
    assert client.get(f"/filings/{filing_with_doc.id}").status_code == 403
    assert client.get(f"/files/{_doc_id(filing_with_doc)}").status_code == 404


def test_denied_download_is_audited(build, client, login, filing_with_doc):
    login(build.user("vendor"))
    client.get(f"/files/{_doc_id(filing_with_doc)}")
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "attachment.denied")) == 1


def test_change_filing_of_another_firm_is_not_found(build, client, login, world):
    from datetime import timedelta

    from portal.filings import changes as change_filings

    filing = world.advance(world.submitted(), "confirm", "register")
    with acting_as(world.vendor):
        change = change_filings.submit_change(filing.id, "schedule",
                                              {"start_date": filing.start_date,
                                               "end_date": filing.end_date + timedelta(days=3)}, "delay")
    login(build.user("vendor"))
    assert client.get(f"/filings/changes/{change.id}").status_code == 404
    client.post("/auth/logout")
    login(build.district_regulator("510525"))
    assert client.post(f"/filings/changes/{change.id}/act/approve", data={}).status_code == 404


def test_anonymous_is_sent_to_login(app):
    response = app.test_client().get("/filings/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
