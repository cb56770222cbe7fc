"""Browser: a firm applies on a phone (CSRF on), the city regulator approves, the first user logs in."""
import random

from portal.core.identifiers import make_uscc
from tests.e2e.conftest import login, screenshot


def test_firm_applies_on_a_phone_and_is_approved(phone_page, page, live_server):
    base = live_server.url
    uscc = make_uscc("91", "510502", random.Random(99))
    p = phone_page
    p.goto(f"{base}/firms/apply?lang=en")
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    p.fill("input[name=uscc]", uscc)
    p.fill("input[name=name]", "泸州浏览器测试档案服务有限公司")
    p.fill("input[name=legal_representative]", "测试人")
    p.select_option("select[name=district_code]", "510502")
    p.check("input[name=service_types][value=digitisation]")
    p.fill("input[name=liaison_phone]", "13912345678")
    p.fill("input[name=username]", "e2eapplicant")
    p.fill("input[name=display_name]", "浏览器申请人")
    p.fill("input[name=password]", "Browser#2026ok")
    p.click("button[type=submit]")
    reference = p.text_content("[data-testid=reference]").strip()
    assert reference
    screenshot(p, "firms-applied-phone")

    login(page, base, "regulator")
    page.goto(f"{base}/firms/queue")
    page.click("text=泸州浏览器测试档案服务有限公司")
    page.wait_for_load_state("load")  # portal.js folds the reason field away once the page has loaded
    # The review screen: the record first, the decision panel beside it with the checks and a stepper.
    panel = page.locator("[data-decision-panel]")
    assert page.locator("[data-testid=stepper] [aria-current=step]").count() == 1
    assert panel.locator("[data-testid=checks] li.check-bad").count() == 2  # not verified, no licence scan
    assert not page.locator("textarea[name=reason]").is_visible()  # the reason field waits for a decision
    # The platform does not know this enterprise and no licence scan was uploaded: the first press of
    # "approve" opens the reason field (required) instead of sending; with a reason the approval goes through.
    page.click("button[formaction$='/decide/approve']")
    page.wait_for_selector("textarea[name=reason]:visible")
    assert page.locator("textarea[name=reason]").get_attribute("required") is not None
    assert "/decide/" not in page.url and page.locator("[data-testid=firm-status].status-submitted").count() == 1
    screenshot(page, "firm-review")
    page.fill("textarea[name=reason]", "已现场核验营业执照原件")
    page.click("button[formaction$='/decide/approve']")
    page.wait_for_selector("[data-testid=firm-status].status-active")

    p.goto(f"{base}/firms/apply/status")
    assert p.locator(".status-active").count() == 1
    p.goto(f"{base}/auth/login")
    p.fill("input[name=username]", "e2eapplicant")
    p.fill("input[name=password]", "Browser#2026ok")
    p.click("button[type=submit]")
    p.wait_for_url(f"{base}/home/**")
    assert "泸州浏览器测试档案服务有限公司" in p.content()
