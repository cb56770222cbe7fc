"""Real browser: a regulator draws an inspection, records a failed item and orders rectification; the
firm's user answers; the regulator verifies and closes the order, and with it the inspection."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.e2e.conftest import login, screenshot


def _vendor_for_firm(live_app, firm_id: int) -> str:
    from portal.extensions import db
    from portal.firms.models import Firm

    with live_app.app_context():
        ids = list(db.session.scalars(select(Firm.id).order_by(Firm.id)))
        db.session.remove()
    return f"vendor{ids.index(firm_id) + 1:02d}"


def _firm_of_inspection(live_app, inspection_id: int) -> int:
    from portal.extensions import db
    from portal.supervision.models import Inspection

    with live_app.app_context():
        firm_id = db.session.get(Inspection, inspection_id).firm_id
        db.session.remove()
    return firm_id


def test_draw_inspect_order_answer_and_close(browser, live_server, live_app):
    base = live_server.url
    regulator_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = regulator_ctx.new_page()
    page.set_default_timeout(15000)
    login(page, base, "regulator")
    page.goto(f"{base}/supervision/")
    page.wait_for_load_state("networkidle")
    widths = page.eval_on_selector_all("svg.chart", "svgs => svgs.map(s => s.getBoundingClientRect().width)")
    assert len(widths) == 5 and all(w > 600 for w in widths), widths  # full width at 1280 px
    screenshot(page, "supervision-dashboard")

    page.goto(f"{base}/supervision/inspections/draw")
    page.select_option("select[name=target]", "firm")
    page.fill("input[name=n]", "1")
    page.click("[data-testid=draw-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/supervision/draws/\d+$"))
    assert page.locator("[data-testid=drawn-inspection]").count() == 1
    page.click("[data-testid=rerun]")
    assert "flash-success" in page.locator("[data-testid=rerun-result]").get_attribute("class")

    page.goto(f"{base}/supervision/draws/{page.url.rsplit('/', 1)[1].split('?')[0]}")
    page.click("[data-testid=drawn-inspection] a")
    page.wait_for_url(re.compile(r".*/supervision/inspections/\d+$"))
    inspection_id = int(page.url.rsplit("/", 1)[1])
    page.click("[data-testid=record-link]")
    items = page.locator("fieldset.checklist-item")
    for i in range(items.count()):
        items.nth(i).locator("input[value=pass]").check()
    items.nth(0).locator("input[value=fail]").check()
    items.nth(0).locator("input[type=text]").fill("责任制度未上墙，无书面制度")
    page.click("[data-testid=record-form] button[type=submit]")
    page.wait_for_url(re.compile(rf".*/supervision/inspections/{inspection_id}$"))
    assert page.locator("[data-testid=inspection-status]").get_attribute("class").endswith("status-checked")

    page.click("[data-testid=order-link]")
    assert "责任制度未上墙" in page.input_value("textarea[name=items]")
    page.fill("textarea[name=requirement]", "建立并公布档案工作责任制度，提交制度文本")
    page.click("[data-testid=order-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/supervision/rectifications/\d+$"))
    order_url = page.url
    number = page.locator("[data-testid=order-number]").inner_text()
    assert re.fullmatch(r"ZG-\d{4}-\d{4}", number)

    vendor = _vendor_for_firm(live_app, _firm_of_inspection(live_app, inspection_id))
    firm_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    firm_page = firm_ctx.new_page()
    firm_page.set_default_timeout(15000)
    login(firm_page, base, vendor)
    firm_page.goto(order_url)
    firm_page.fill("textarea[name=body]", "已制定并公布责任制度，附制度文本")
    firm_page.click("[data-testid=response-form] button[type=submit]")
    firm_page.wait_for_url(order_url)
    assert firm_page.locator("[data-testid=order-status]").get_attribute("class").endswith("status-answered")
    screenshot(firm_page, "supervision-firm-answered")
    firm_ctx.close()

    page.goto(order_url)
    page.click("[data-testid=decision-form] button[value=verify]")
    page.wait_for_url(order_url)
    assert page.locator("[data-testid=order-status]").get_attribute("class").endswith("status-verified")
    assert page.locator("[data-testid=timeline] li").count() == 3
    screenshot(page, "supervision-order-verified")
    # Its only order verified, the inspection is closed after rectification (no longer "rectification required").
    page.goto(f"{base}/supervision/inspections/{inspection_id}")
    assert page.locator("[data-testid=inspection-status]").get_attribute("class").endswith("status-closed")
    regulator_ctx.close()
