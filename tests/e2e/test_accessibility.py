"""Accessibility as GB/T 37668-2019 asks (it follows WCAG 2.x AA), measured with axe-core in Chromium: every page
every demo role reaches (the same discovery as the words crawl, tests/words/crawl.py) and the public pages have
no serious or critical violation of the WCAG 2 A/AA rules.

axe-core comes from the npm registry, pinned by tests/e2e/package-lock.json (`npm ci --prefix tests/e2e`, run
by `make test` and `.ci/run`) and is injected into the page by the test only; the portal never serves it.
One browser, one context per role; the whole module takes a few minutes.
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import ARTIFACTS, login
from tests.words.crawl import ROLES, walk

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
# Deque's best practices (landmarks, heading order ...) are run too and reported, but do not fail the test.
ADVISORY = ["best-practice"]
# The same reach as the words crawl (tests/words/test_no_codes.py).
PER_SHAPE = 2
LIMIT = 120
RUN_AXE = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, tags: v.tags,
                                     targets: v.nodes.map(n => n.target.join(" "))})))"""


@pytest.fixture(scope="module")
def axe_path():
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is not installed; .ci/run must run `make e2e-tools` (npm ci --prefix tests/e2e)")
        pytest.skip("axe-core is not installed: run `npm ci --prefix tests/e2e` (needs node and npm)")
    return str(AXE)


def audit(page, base: str, axe_path: str, starts: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """(pages checked, blocking violations (serious or critical, of a WCAG rule), the others): one line per page
    and rule with its elements."""
    checked, blocking, lesser = [], [], []

    def fetch(path):
        try:
            response = page.goto(base + path)
        except PlaywrightError as error:  # a file (a rule set's JSON): not a page to check
            if "Download is starting" in error.message:
                return 200, "application/octet-stream", ""
            raise
        if response is None:
            return 599, "", ""
        return response.status, response.headers.get("content-type", ""), page.content()

    for path, _status, html in walk(fetch, starts=starts, limit=LIMIT, per_shape=PER_SHAPE):
        if html is None:
            continue
        checked.append(path)
        page.add_script_tag(path=axe_path)
        for violation in page.evaluate(RUN_AXE, TAGS + ADVISORY):
            targets = violation["targets"]
            more = f" … +{len(targets) - 4}" if len(targets) > 4 else ""
            line = (f"{path}: {violation['id']} ({violation['impact']}, {len(targets)}×) "
                    f"{', '.join(targets[:4])}{more}")
            wcag = set(violation["tags"]) & set(TAGS)
            (blocking if wcag and violation["impact"] in BLOCKING else lesser).append(line)
    return checked, blocking, lesser


def _report(who: str, checked: list[str], blocking: list[str], lesser: list[str]) -> str:
    """The failure message; the same with the lesser violations and the pages checked in test-artifacts/."""
    rules = Counter(line.split(": ", 1)[1].split(" ", 1)[0] for line in blocking)
    summary = (f"axe {who}: {len(checked)} pages, {len(blocking)} serious/critical violations "
               f"{dict(rules)}, {len(lesser)} moderate/minor or best-practice")
    print(summary)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{who}.txt").write_text(
        "\n".join([summary, *blocking, "", "moderate/minor or best-practice:", *lesser, "", "pages:", *checked]) + "\n",
        encoding="utf-8")
    return f"{who}: {len(blocking)} serious or critical violations on {len(checked)} pages:\n" + "\n".join(blocking)


@pytest.fixture
def axe_page(browser, live_server):
    # The portal's CSP allows no inline script; the test's own injected axe-core must still run.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_a_role_has_no_serious_accessibility_violation(axe_page, live_server, axe_path, username):
    login(axe_page, live_server.url, username)
    checked, blocking, lesser = audit(axe_page, live_server.url, axe_path, ("/home/",))
    report = _report(username, checked, blocking, lesser)
    assert len(checked) >= 5, checked
    assert not blocking, report


def test_public_pages_have_no_serious_accessibility_violation(axe_page, live_server, axe_path):
    checked, blocking, lesser = audit(axe_page, live_server.url, axe_path, ("/", "/auth/login"))
    report = _report("public", checked, blocking, lesser)
    assert len(checked) >= 2, checked
    assert not blocking, report


# Forms sent empty: the page with every field's error must stay accessible (errors tied to their fields).
FORMS = {None: ["/auth/login", "/firms/apply"],
         "vendor01": ["/filings/new", "/incidents/new", "/firms/1/staff/new"]}
SEND_EMPTY = """() => {
  const forms = [...document.querySelectorAll("main form[method=post]")];
  const form = forms.sort((a, b) => b.elements.length - a.elements.length)[0];
  form.noValidate = true;  // let the server answer, as it must for any client
  const button = [...form.elements].find(e => e.type === "submit");
  form.requestSubmit(button);
}"""


@pytest.mark.parametrize("username", FORMS)
def test_forms_with_errors_have_no_serious_accessibility_violation(axe_page, live_server, axe_path, username):
    base = live_server.url
    if username:
        login(axe_page, base, username)
    blocking, errors_shown = [], 0
    for path in FORMS[username]:
        axe_page.goto(base + path)
        with axe_page.expect_navigation():
            axe_page.evaluate(SEND_EMPTY)
        errors_shown += axe_page.locator(".errors li").count()
        axe_page.add_script_tag(path=axe_path)
        for violation in axe_page.evaluate(RUN_AXE, TAGS):
            if violation["impact"] in BLOCKING:
                blocking.append(f"{path} (sent empty): {violation['id']} {violation['targets'][:4]}")
    assert errors_shown >= len(FORMS[username]), "the forms were not refused"
    assert not blocking, "\n".join(blocking)
