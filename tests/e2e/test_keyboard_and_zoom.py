"""Use without a mouse and at large text (GB/T 37668-2019, WCAG 2.1.1, 2.4.7, 1.4.4, 1.4.10): signing in,
the menu and a list's filter work with the keyboard alone and every stop shows where the focus is; at 200 %
zoom (a 1440-px screen seen as 720 px) key pages do not scroll sideways; in English at 1440 × 900 the menu
fits on one line and its drop-downs inside the window."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import login

PASSWORD = "Demo#2026pass"
# What the focused element looks like: an outline or a ring people can see.
FOCUS_SHOWN = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const ring = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
  return {tag: e.tagName.toLowerCase(), text: (e.innerText || e.name || e.id || "").trim().slice(0, 40),
          shown: ring || s.boxShadow !== "none"};
}"""


def _tab_to(page, selector: str, limit: int = 80) -> list[dict]:
    """Press Tab until `selector` has the focus; every stop on the way must show its focus."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_SHOWN)
        if stop:
            stops.append(stop)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} never took the focus; stops: {stops}")


def _unshown(stops: list[dict]) -> list[dict]:
    return [s for s in stops if not s["shown"]]


def test_sign_in_menu_and_filter_by_keyboard_alone(page, live_server):
    base = live_server.url
    page.goto(f"{base}/auth/login")
    stops = _tab_to(page, "input[name=username]")
    page.keyboard.type("regulator")
    stops += _tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")  # submits the login form
    page.wait_for_url(f"{base}/home/**")

    # The first stop skips to the content and shows itself; then the menu: open a section, pick an entry.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.skip-link')")
    assert page.evaluate("document.activeElement.getBoundingClientRect().left >= 0")
    stops += _tab_to(page, "nav.main-nav summary")
    section = page.locator("nav.main-nav details:has(summary:focus)").element_handle()
    page.keyboard.press("Enter")
    assert section.get_attribute("open") is not None
    first_entry = section.query_selector("ul a").get_attribute("href")
    stops += _tab_to(page, "nav.main-nav details[open] ul a")
    assert page.evaluate("document.activeElement.getAttribute('href')") == first_entry
    page.keyboard.press("Escape")  # closes the section and puts the focus back on its heading
    assert section.get_attribute("open") is None
    assert page.evaluate("document.activeElement.matches('nav.main-nav summary')")

    # Pick "Project filings" from the menu, then filter the list from the keyboard.
    projects = page.locator("nav.main-nav details:has(a[href='/filings/'])")
    projects.locator("summary").focus()
    page.keyboard.press("Enter")
    stops += _tab_to(page, "nav.main-nav a[href='/filings/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/filings/")
    stops += _tab_to(page, "#f-number")
    page.keyboard.type("LZWB")
    page.keyboard.press("Enter")  # submits the filter form
    page.wait_for_url("**/filings/?*number=LZWB*")
    assert not _unshown(stops), f"focus not visible on: {_unshown(stops)}"


KEY_PAGES = {
    "regulator": ["/home/", "/filings/", "/filings/1", "/firms/", "/supervision/rectifications", "/home/inbox"],
    "vendor01": ["/home/", "/filings/", "/filings/new"],
    "agency01": ["/home/", "/feedback/"],
    "auditor": ["/admin/audit"],
}


@pytest.mark.parametrize("username", KEY_PAGES)
def test_text_at_200_percent_needs_no_sideways_scrolling(browser, live_server, username):
    # 200 % zoom on a 1440-px screen: the page is laid out for 720 CSS pixels, drawn at twice the size.
    context = browser.new_context(viewport={"width": 720, "height": 450}, device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, live_server.url, username)
        wide = []
        for path in KEY_PAGES[username]:
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                wide.append(f"{path}: {scroll} px wide in a {inner} px window")
        assert not wide, "\n".join(wide)
    finally:
        context.close()


@pytest.mark.parametrize("username", ["regulator", "lead", "sysadmin"])
def test_english_menu_fits_at_1440(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/auth/login?lang=en")
        login(page, live_server.url, username)
        nav = page.locator("nav.main-nav")
        assert nav.evaluate("n => n.scrollWidth <= n.clientWidth")
        tops = set()
        for item in nav.locator(".nav-groups > li").all():
            box = item.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1440, item.inner_text()
            tops.add(round(box["y"]))
        assert len(tops) == 1, f"the menu takes {len(tops)} lines"
        for summary in nav.locator("summary").all():  # each drop-down opens inside the window
            summary.click()
            box = summary.locator("xpath=..").locator("ul").bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1440, summary.inner_text()
            summary.click()
    finally:
        context.close()
