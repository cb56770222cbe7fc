"""Screenshots of the key screens in Chinese, at 1440 px (desktop) and 390 px (phone), for the README.

Serves the portal on a throw-away SQLite file seeded with the demo data and drives Debian's Chromium with
Playwright:  .venv/bin/python scripts/screenshots.py [output dir, default docs/screenshots] [--only NAME ...]
[--port N]. Screens are the first screen (not the full page) so each PNG stays small; each official document
(文书) is also shot whole as printed (print media on an A4-wide page), since the printout is what a firm
receives."""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.e2e.conftest import ARGS, CHROMIUM, LiveServer, document_urls, login  # noqa: E402

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
# An A4 sheet at 96 px per inch: the printed documents are shot whole at this width in print media.
A4 = {"width": 794, "height": 1123}


def _app(tmp: Path):
    from flask_migrate import upgrade

    from portal import create_app, i18n_tools
    from portal.extensions import db
    from portal.seed import seed_demo

    i18n_tools.compile_all()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'shots.db'}", "UPLOAD_DIR": str(tmp / "up"),
                      "SECRET_KEY": "screenshots", "PASSWORD_HASH_FAST": True, "TESTING": True})
    with app.app_context():
        upgrade()
        seed_demo(echo=lambda *_: None)
        db.session.remove()
    return app


def _targets(app) -> dict[str, tuple[str, str]]:
    """name -> (user, path), with the ids of demo objects that show each screen at its most telling."""
    from portal.extensions import db
    from portal.filings.models import ProjectFiling
    from portal.firms.models import Firm
    from portal.scoring.models import Objection

    with app.app_context():
        firm = db.session.scalar(select(Firm.id).where(Firm.status.in_(("submitted", "under_review")))
                                 .order_by(Firm.id))
        review = db.session.scalar(select(ProjectFiling.id).where(ProjectFiling.status.in_(("confirmed", "under_review")))
                                   .order_by(ProjectFiling.id))
        score = db.session.scalar(select(Objection.firm_score_id).where(Objection.status != "submitted")
                                  .order_by(Objection.id)) or db.session.scalar(select(Objection.firm_score_id))
    return {
        "regulator-home": ("regulator", "/home/"),
        "dashboard": ("regulator", "/supervision/"),
        "filing-review": ("regulator", f"/filings/{review}"),
        "firm-review": ("regulator", f"/firms/{firm}"),
        "score-after-objection": ("regulator", f"/scoring/scores/{score}"),
        "firm-filing-form": ("vendor01", "/filings/new"),
        "agency-feedback-form": ("agency01", None),
        "filings-list": ("regulator", "/filings/"),
    }


def _wanted(name: str, only: list[str]) -> bool:
    return not only or any(name.startswith(prefix) for prefix in only)


def _screens(browser, server, targets, out: Path, only: list[str]) -> None:
    for size, viewport in SIZES.items():
        for user in dict.fromkeys(u for name, (u, _path) in targets.items() if _wanted(name, only)):
            context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1,
                                          is_mobile=size == "phone", has_touch=size == "phone")
            page = context.new_page()
            login(page, server.url, user)
            page.goto(f"{server.url}/home/?lang=zh_CN")
            for name, (who, path) in targets.items():
                if who != user or not _wanted(name, only):
                    continue
                if path is None:  # the agency's first project due for a rating
                    page.goto(f"{server.url}/agency/")
                    path = page.eval_on_selector("a[href*='period=completion']", "a => a.pathname + a.search")
                page.goto(server.url + path)
                page.screenshot(path=str(out / f"{name}-{size}.png"))
                print(out / f"{name}-{size}.png")
            context.close()


def _documents(browser, server, documents: dict[str, str], out: Path, only: list[str]) -> None:
    """Each document whole as printed (A4 width, print media) and its first screen on a phone, as the lead
    who signs them sees it."""
    for size, viewport in (("print", A4), ("phone", SIZES["phone"])):
        context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1,
                                      is_mobile=size == "phone", has_touch=size == "phone")
        page = context.new_page()
        login(page, server.url, "lead")
        page.goto(f"{server.url}/home/?lang=zh_CN")
        if size == "print":
            page.emulate_media(media="print")
        for kind, path in documents.items():
            name = f"document-{kind.replace('_', '-')}"
            if not _wanted(name, only):
                continue
            page.goto(server.url + path)
            if size == "print":
                # A capture does not apply the sheet's @page margins (static/css/print.css): add them.
                page.evaluate("document.documentElement.style.padding = '18mm 15mm'")
            page.screenshot(path=str(out / f"{name}-{size}.png"), full_page=size == "print")
            print(out / f"{name}-{size}.png")
        context.close()


def main(out: Path, only: list[str], port: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-shots-") as tmp:
        app = _app(Path(tmp))
        targets = _targets(app)
        documents = document_urls(app)
        server = LiveServer(app, port).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                _screens(browser, server, targets, out, only)
                _documents(browser, server, documents, out, only)
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", default=[], help="shoot only screens whose name starts so")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    args = parser.parse_args()
    main(args.out, args.only, args.port)
