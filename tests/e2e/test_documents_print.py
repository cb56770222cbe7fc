"""Real browser: every official document (文书) printed to A4 PDF in Chromium: the expected number of pages,
nothing wider than the page in print media, and the document number in the page text. Also the random
draw's seed, which overlapped its label."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.e2e.conftest import document_urls, login, screenshot

# Page count of each document printed on A4 with the demo data (the inspection record carries its whole
# checklist table).
EXPECTED_PAGES = {"receipt": 1, "inspection": 2, "rectification": 1, "summons": 1, "negative_list": 1,
                  "objection": 1}
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![s\w])")


def _stored_number(live_app, kind: str) -> list[str]:
    from portal.core.models import DocumentNumber
    from portal.extensions import db

    with live_app.app_context():
        numbers = list(db.session.scalars(select(DocumentNumber.number).where(DocumentNumber.kind == kind)))
        db.session.remove()
    return numbers


@pytest.fixture
def lead_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, live_server.url, "lead")
    yield page
    context.close()


@pytest.mark.parametrize("kind", list(EXPECTED_PAGES))
def test_each_document_prints_on_a4_with_its_number_and_no_overflow(kind, lead_page, live_server, live_app):
    page = lead_page
    url = document_urls(live_app)[kind]
    response = page.goto(f"{live_server.url}{url}")
    assert response.status == 200, (kind, url)
    page.emulate_media(media="print")
    number = page.locator("[data-testid=document-number]").inner_text().strip()
    assert re.fullmatch(r"\S+〔20\d\d〕\d+号", number), number
    assert number in _stored_number(live_app, kind)  # the number shown is the one stored for the kind
    assert number in page.locator("body").inner_text()
    assert page.locator("[data-testid=seal]").is_visible()
    assert page.locator(".site-header, .main-nav").evaluate_all("els => els.every(e => !e.offsetParent)")
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert overflow[0] <= overflow[1], (kind, overflow)
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    pages = len(PAGE_OBJECT.findall(pdf))
    assert pages == EXPECTED_PAGES[kind], (kind, pages)
    # Printed again, the document keeps its number.
    page.reload()
    assert page.locator("[data-testid=document-number]").inner_text().strip() == number
    page.emulate_media(media="screen")
    screenshot(page, f"document-{kind}")


def test_the_draw_seed_does_not_overlap_its_label(lead_page, live_server, live_app):
    from portal.auth.models import User
    from portal.core import clock
    from portal.core.context import reset_actor, set_actor
    from portal.extensions import db
    from portal.supervision import inspections
    from portal.supervision.models import InspectionDraw
    from portal.web.context import actor_for_user

    with live_app.app_context():
        # A draw made now has a full 32-digit seed (the demo's is shorter).
        lead = db.session.scalar(select(User).where(User.username == "lead"))
        token = set_actor(actor_for_user(lead))
        try:
            draw = inspections.random_draw(actor_for_user(lead), 1, "firm", clock.today() + timedelta(days=7))
        finally:
            reset_actor(token)
        draw_id = draw.id
        assert len(db.session.get(InspectionDraw, draw_id).seed) == 32
        db.session.remove()
    page = lead_page
    for width in (1280, 1100, 1000, 900, 700, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/supervision/draws/{draw_id}")
        seed = page.locator("[data-testid=seed]").bounding_box()
        boxes = page.locator("section.card dl > dt").evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return {x: r.x, y: r.y, width: r.width, height: r.height}; })")
        assert boxes, "the draw's facts are a label grid"
        for label in boxes:
            apart = (seed["x"] >= label["x"] + label["width"] or seed["x"] + seed["width"] <= label["x"]
                     or seed["y"] >= label["y"] + label["height"] or seed["y"] + seed["height"] <= label["y"])
            assert apart, (width, seed, label)
        sizes = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sizes[0] <= sizes[1], (width, sizes)
