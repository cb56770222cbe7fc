"""Real browser: every demo role logs in, in Chinese and in English, and lands on its own home page."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import login, screenshot

# username → (role label in zh_CN, role label in en)
ROLES = {
    "regulator": ("监管人员", "Regulator"),
    "district": ("监管人员", "Regulator"),
    "lead": ("监管负责人", "Regulator lead"),
    "sysadmin": ("系统管理员", "System administrator"),
    "secadmin": ("安全保密管理员", "Security administrator"),
    "auditor": ("安全审计员", "Audit administrator"),
    "vendor01": ("企业用户", "Firm user"),
    "agency01": ("立档单位用户", "Agency user"),
}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("username", sorted(ROLES))
def test_demo_role_logs_in_and_sees_its_home_page(page, live_server, username, lang):
    base = live_server.url
    page.goto(f"{base}/auth/login?lang={lang}")
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh_CN" else "en")
    login(page, base, username)
    roles = page.locator("[data-testid=roles]")
    expected = ROLES[username][0 if lang == "zh_CN" else 1]
    assert expected in roles.inner_text()
    welcome = "欢迎您" if lang == "zh_CN" else "Welcome"
    assert welcome in page.locator("h1").inner_text()
    if username == "district":
        assert "江阳区" in roles.inner_text()
    if username == "auditor":
        page.click("nav.main-nav a[href='/admin/audit']")
        page.wait_for_url(f"{base}/admin/audit")
    if lang == "zh_CN":
        screenshot(page, f"home-{username}")
    page.click("button.link-button:has-text('{}')".format("退出登录" if lang == "zh_CN" else "Log out"))
    page.wait_for_url(f"{base}/auth/login")
