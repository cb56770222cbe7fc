"""Every firms page renders for the people who use it (both languages)."""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.firms import service as firms
from portal.firms.models import Certificate, FirmChangeRequest
from tests.firms.builders import acting, fresh


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_firm_user_pages_render(client, build, login, lang):
    vendor = build.user("vendor")
    member = build.staff(vendor.firm)
    cert = Certificate(firm_id=vendor.firm_id, cert_type="iso9001", number="ISO-1")
    db.session.add(cert)
    db.session.commit()
    with acting(vendor):
        firms.update_registration(vendor.firm_id, {"name": "换个名字"})
    request = db.session.scalar(select(FirmChangeRequest))
    login(vendor)
    fid = vendor.firm_id
    for url in ("/home/", f"/firms/{fid}", f"/firms/{fid}/edit", f"/firms/{fid}/staff", f"/firms/{fid}/staff?status=all",
                f"/firms/{fid}/staff/new", f"/firms/staff/{member.id}/edit", f"/firms/{fid}/staff/import",
                f"/firms/{fid}/certificates/new", f"/firms/certificates/{cert.id}/edit",
                f"/firms/change-requests/{request.id}"):
        response = fresh(client).get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        assert response.status_code == 200, url
    assert fresh(client).get("/firms/mine").status_code == 302
    assert fresh(client).get("/firms/").status_code == 403


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_regulator_pages_render(client, build, login, lang):
    firm = build.firm(status="submitted")
    build.staff(firm)
    login(build.user("regulator"))
    for url in ("/home/", "/firms/", "/firms/?status=submitted&district=510502&service_type=digitisation&q=Test",
                "/firms/queue", f"/firms/{firm.id}", f"/firms/{firm.id}/staff"):
        response = fresh(client).get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        assert response.status_code == 200, url
    page = fresh(client).get(f"/firms/{firm.id}").get_data(as_text=True)
    assert f"/firms/{firm.id}/decide/start_review" in page and f"/firms/{firm.id}/decide/approve" in page


def test_public_application_pages_render(client):
    assert client.get("/firms/apply").status_code == 200
    assert client.get("/firms/apply/status").status_code == 200


def test_firm_list_pages_through_with_filters_kept(client, build, login, app):
    for _ in range(3):
        build.firm(service_types=["storage"])
    login(build.user("regulator"))
    app.config["PAGE_SIZE"] = 2
    try:
        page = client.get("/firms/?service_type=storage&page=2").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 20
    assert 'rel="prev"' in page and "service_type=storage" in page.split('rel="prev"')[0].rsplit("<a", 1)[1]
    assert 'rel="next"' not in page
