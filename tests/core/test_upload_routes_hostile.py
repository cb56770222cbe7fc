"""The hostile corpus posted to the upload routes as a user allowed to use each: every file refused
with a message and nothing stored; the good files accepted (photo fields: images only)."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.core.models import Attachment
from portal.extensions import db
from portal.firms.models import StaffMember
from portal.supervision.models import Inspection
from tests.core import hostile
from tests.filings.builders import FilingWorld
from tests.firms.builders import fresh


@dataclass
class Route:
    url: str
    field: str
    form: dict
    accepts: tuple[str, ...]  # labels of the good samples this route takes


def certificate(build, login, client):
    vendor = build.user("vendor")
    login(vendor)
    return Route(f"/firms/{vendor.firm_id}/certificates/new", "file",
                 {"cert_type": "business_licence", "number": "BL-9", "issuer": "泸州市市场监督管理局",
                  "issued_on": "2024-01-01", "expires_on": "2034-01-01"}, ("pdf", "jpeg", "png", "docx", "xlsx"))


def filing_attachment(build, login, client):
    world = FilingWorld(build)
    filing = world.submitted()
    login(world.vendor)
    return Route(f"/filings/{filing.id}/attachments", "file", {"kind": "other"},
                 ("pdf", "jpeg", "png", "docx", "xlsx"))


def inspection_photo(build, login, client):
    firm = build.firm()
    inspection = Inspection(firm_id=firm.id, district_code=firm.district_code, status="checked")
    db.session.add(inspection)
    db.session.commit()
    login(build.user("regulator"))
    return Route(f"/supervision/inspections/{inspection.id}/photo", "photo", {}, ("jpeg", "png"))


ROUTES = [certificate, filing_attachment, inspection_photo]


def attachments_stored() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Attachment.id)))


def post(client, route: Route, sample: hostile.Sample):
    response = fresh(client).post(route.url, data={**route.form, route.field: (BytesIO(sample.data), sample.name)},
                                  content_type="multipart/form-data")
    # The tests keep one app context (and so one session) across requests; end the request's
    # transaction as the app-context teardown does in production.
    db.session.rollback()
    if response.status_code in (302, 303):
        response = fresh(client).get(response.headers["Location"])
    return response


@pytest.fixture
def limits(app):
    saved = {key: app.config[key] for key in hostile.LIMITS}
    app.config.update(hostile.LIMITS)
    yield
    app.config.update(saved)


@pytest.mark.parametrize("make_route", ROUTES, ids=lambda f: f.__name__)
def test_every_hostile_file_is_refused_on_every_upload_route(app, client, build, login, limits, make_route):
    route = make_route(build, login, client)
    base = attachments_stored()
    accepted = []
    for sample in hostile.hostile():
        response = post(client, route, sample)
        page = response.get_data(as_text=True)
        if attachments_stored() != base or response.status_code >= 500:
            accepted.append(sample.label)
            base = attachments_stored()
        elif sample.label != "name-crlf-header-injection":
            # (werkzeug's multipart parser drops a part whose file name holds CR/LF: nothing arrives.)
            assert "flash-error" in page or "file-err" in page or "photo-err" in page, sample.label
    assert accepted == []


@pytest.mark.parametrize("make_route", ROUTES, ids=lambda f: f.__name__)
def test_good_files_are_accepted_where_the_route_takes_them(app, client, build, login, limits, make_route):
    route = make_route(build, login, client)
    for sample in hostile.good():
        before = attachments_stored()
        post(client, route, sample)
        assert attachments_stored() == before + (sample.label in route.accepts), sample.label


def test_staff_import_refuses_entities_and_bombs_with_422_in_the_users_language(app, client, build, login, limits):
    vendor = build.user("vendor")
    login(vendor)
    for sample, message in (
        (hostile.Sample("entities", hostile.xlsx_with_entities(), "staff.xlsx"), "DOCTYPE 或实体"),
        (hostile.Sample("bomb", hostile.docx_bomb(12).replace(b"word/document.xml", b"xl/workbook.xmlxx"),
                        "staff.xlsx"), "解压后超过"),
    ):
        response = fresh(client).post(f"/firms/{vendor.firm_id}/staff/import",
                                      data={"file": (BytesIO(sample.data), sample.name)},
                                      content_type="multipart/form-data")
        assert response.status_code == 422, sample.label
        assert message in response.get_data(as_text=True), sample.label
    assert db.session.scalar(select(func.count(StaffMember.id))) == 0
