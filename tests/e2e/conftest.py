"""Real-browser fixtures: the portal served on 127.0.0.1 (random port, own SQLite file, CSRF on) in a
thread, and Playwright driving Debian's Chromium. Both stop by themselves after the session."""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from portal import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing at /usr/bin/chromium; .ci/run must install it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


class LiveServer:
    """The app served on 127.0.0.1 in a thread; port 0 picks a free one (E2E_PORT sets it for the tests,
    where the machine assigns each user a port range)."""

    def __init__(self, app, port: int = 0):
        self.app = app
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_app():
    """An app on its own SQLite file (or TEST_DATABASE_URL), migrated and seeded with demo data."""
    from flask_migrate import upgrade

    from portal import i18n_tools
    from portal.extensions import db
    from portal.seed import seed_demo

    i18n_tools.compile_all()
    tmp = Path(tempfile.mkdtemp(prefix="portal-e2e-"))
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp / 'e2e.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True,
                      "UPLOAD_DIR": str(tmp / "uploads"), "SECRET_KEY": "e2e-secret",
                      "PASSWORD_HASH_FAST": True})
    with app.app_context():
        from sqlalchemy import text

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        seed_demo(echo=lambda *_: None)
        db.session.remove()
    yield app
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server(live_app):
    server = LiveServer(live_app, int(os.environ.get("E2E_PORT", "0"))).start()
    yield server
    server.stop()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, base_url: str, username: str, password: str = "Demo#2026pass") -> None:
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/home/**")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def document_urls(live_app) -> dict[str, str]:
    """The URL of one official document (文书) of each kind in the demo data (a negative-list decision is
    added: the demo has none listed). Used by the print test and scripts/screenshots.py."""
    from portal.core import clock
    from portal.extensions import db
    from portal.filings.models import ProjectFiling
    from portal.firms.models import Firm
    from portal.scoring.models import NegativeListEntry, Objection
    from portal.supervision.models import Inspection, RectificationOrder, Summons

    with live_app.app_context():
        filing = db.session.scalar(select(ProjectFiling).where(ProjectFiling.status == "registered")
                                   .order_by(ProjectFiling.id))
        inspection = db.session.scalar(select(Inspection).where(Inspection.checked_at.is_not(None))
                                       .order_by(Inspection.id))
        summons = db.session.scalar(select(Summons).order_by(Summons.id))
        order = db.session.get(RectificationOrder, summons.order_id)
        objection = db.session.scalar(select(Objection).where(Objection.decided_at.is_not(None))
                                      .order_by(Objection.id))
        entry = db.session.scalar(select(NegativeListEntry).where(NegativeListEntry.status == "listed"))
        if entry is None:
            firm = db.session.scalar(select(Firm).order_by(Firm.id.desc()))
            entry = NegativeListEntry(firm_id=firm.id, status="listed", proposal_reason="连续两个周期评价为D级",
                                      decision_reason="经集体研究，决定列入负面清单。", decided_at=clock.utcnow(),
                                      ends_on=clock.today() + timedelta(days=365))
            db.session.add(entry)
            db.session.commit()
        urls = {
            "receipt": f"/filings/{filing.id}/receipt",
            "inspection": f"/supervision/inspections/{inspection.id}/print",
            "rectification": f"/supervision/rectifications/{order.id}/print",
            "summons": f"/supervision/rectifications/{summons.order_id}/summons/{summons.id}/print",
            "negative_list": f"/scoring/negative-list/{entry.id}/decision",
            "objection": f"/scoring/objections/{objection.id}/decision",
        }
        db.session.remove()
    return urls
