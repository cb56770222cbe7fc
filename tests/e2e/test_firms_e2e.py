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
    # The platform does not know this enterprise and no licence scan was uploaded: one click is refused,
    # an approval with a recorded reason goes through.
    page.click("button[formaction$='/decide/approve']")
    page.wait_for_selector(".flash-error")
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
