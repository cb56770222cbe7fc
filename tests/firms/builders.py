"""Builders for the firms area: acting as a user in service tests, application data, roster workbooks."""
from __future__ import annotations

from contextlib import contextmanager
from io import BytesIO

from openpyxl import Workbook

from portal.core.context import reset_actor, set_actor
from portal.web.context import actor_for_user

VALID_USCC = "91350100M000100Y43"
PASSWORD = "Apply#2026pass!"


@contextmanager
def acting(user):
    token = set_actor(actor_for_user(user))
    try:
        yield
    finally:
        reset_actor(token)


def application(**overrides) -> dict:
    data = {
        "uscc": VALID_USCC,
        "name": "泸州测试档案服务有限公司",
        "legal_representative": "王五",
        "district_code": "510502",
        "registered_address": "江阳区1号",
        "operating_address": "江阳区2号",
        "business_scope": "档案整理、档案数字化",
        "service_types": ["arrangement", "digitisation"],
        "secrecy_level": "",
        "premises_area": "300",
        "premises_ownership": "leased",
        "premises_security": "门禁",
        "equipment_summary": "扫描仪",
        "management_systems": "保密制度",
        "liaison_name": "赵六",
        "liaison_phone": "13912345678",
        "liaison_email": "a@example.cn",
        "username": "newfirm",
        "display_name": "新企业用户",
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


def workbook(rows: list[list], header: bool = True) -> bytes:
    book = Workbook()
    sheet = book.active
    if header:
        sheet.append(["Name", "ID number", "Phone", "Role", "Contract", "Commitment", "Training", "Assessed", "Checked"])
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fresh(client):
    """Use `client` next without another client's cached login.

    The shared `app` fixture keeps one application context for the whole test, so Flask-Login's
    `g._login_user` outlives a request; tests that switch between clients drop it first.
    """
    from flask import g

    g.pop("_login_user", None)
    return client


def known_to_platform(app, data: dict | None = None) -> None:
    """Register the application's enterprise with the app's fake platform, so verification matches."""
    from portal.gov.port import EnterpriseInfo
    from portal.integrations import gov_client

    data = data or application()
    gov_client.fake_platform(app).add_enterprise(EnterpriseInfo(
        data["uscc"], data["name"], data["legal_representative"], "active", data["business_scope"]))


def licence(**overrides) -> dict:
    """Form fields of the business licence uploaded with an application (web tests)."""
    from datetime import date, timedelta

    values = {"licence_number": "91350100M000100Y43-L", "licence_expires_on": (date.today() + timedelta(days=3650)).isoformat(),
              "licence_file": (BytesIO(PDF), "licence.pdf")}
    values.update(overrides)
    return values


LICENCE_UPLOAD = (PDF, "licence.pdf")
