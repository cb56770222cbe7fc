"""At 390 × 844 no page a firm or an agency uses scrolls sideways: every menu entry, and every list and form
page reached from them (one of each kind), fits the phone's width, and no list hides columns in a box that
scrolls sideways (lists become cards instead)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import login

# Downloads, printouts of files, language switches and actions are not pages to lay out.
SKIP = re.compile(r"/(export|download|files|attachments|logout)\b|\.(pdf|xlsx|csv|png|svg)$|[?&]lang=")
MAX_PAGES = 45
# Boxes inside the page that scroll sideways (a table squeezed into an overflow box).
INNER_SCROLL = """[...document.querySelectorAll('main *')].filter(e => {
  const o = getComputedStyle(e).overflowX;
  return (o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth + 1;
}).length"""


def _shape(path: str) -> str:
    """One page per kind: /filings/12 and /filings/13 are the same layout."""
    return re.sub(r"\d+", "N", path)


def _links(page, selector: str, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
    out = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or parts.fragment and not parts.path:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(path):
            out.append(path)
    return out


def _overflowing_pages(page, base: str) -> tuple[list[str], list[str]]:
    menu = _links(page, "nav.main-nav a[href]", base)
    queue, seen, visited, wide = list(dict.fromkeys(menu)), set(), [], []
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        shape = _shape(path.split("?")[0])
        if shape in seen:
            continue
        seen.add(shape)
        response = page.goto(base + path)
        if response is None or response.status != 200 or "html" not in response.headers.get("content-type", ""):
            continue
        visited.append(path)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            wide.append(f"{path}: page {width[0]} px wide on a {width[1]} px screen")
        if inner := page.evaluate(INNER_SCROLL):
            wide.append(f"{path}: {inner} box(es) scroll sideways")
        if path in menu:  # from a list page: its rows and its buttons (new, edit, rate ...)
            queue.extend(_links(page, "main a[href]", base))
    return visited, wide


@pytest.mark.parametrize("username", ["vendor01", "agency01"])
def test_no_page_scrolls_sideways_on_a_phone(phone_page, live_server, username):
    login(phone_page, live_server.url, username)
    visited, wide = _overflowing_pages(phone_page, live_server.url)
    print(f"{username}: {len(visited)} pages, {len(wide)} too wide")
    assert len(visited) >= 8, visited  # the menu and its lists were really walked
    assert not wide, "\n".join(wide)


@pytest.mark.parametrize("path", ["/supervision/", "/home/", "/supervision/?district=510502"])
def test_the_regulator_dashboard_fits_a_phone(phone_page, live_server, path):
    login(phone_page, live_server.url, "regulator")
    assert phone_page.goto(live_server.url + path).status == 200
    width = phone_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    assert not phone_page.evaluate(INNER_SCROLL)
    charts = phone_page.eval_on_selector_all("svg.chart", "svgs => svgs.map(s => s.getBoundingClientRect().width)")
    assert all(0 < w <= width[1] for w in charts), charts  # charts scale down with the screen
