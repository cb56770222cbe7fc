"""The system administrator's integration page and home panel."""
from __future__ import annotations

from portal.core import outbox
from portal.extensions import db


def test_integration_page_shows_health_queue_and_dead_letters(app, fake, client, build, login):
    outbox.enqueue("push_message", {"platform_user_id": "x"}, "push:page:1")
    dead = outbox.enqueue("case_create", {"case_no": "C"}, "case:77:1")
    dead.status = "dead"
    dead.last_error = "GovRejected invalid_request: title is required"
    db.session.commit()
    login(build.user("sysadmin"))
    page = client.get("/integrations/?lang=en").get_data(as_text=True)
    assert "Closed: calls are sent" in page
    assert "case:77:1" in page and "title is required" in page
    home = client.get("/home/?lang=en").get_data(as_text=True)
    assert "Government-services platform" in home and "Dead letters" in home


def test_integration_page_is_for_the_system_administrator_only(app, fake, client, build, login):
    login(build.user("regulator"))
    assert client.get("/integrations/").status_code == 403
