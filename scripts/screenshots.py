"""Screenshots of the key screens in Chinese, at 1440 px (desktop) and 390 px (phone), for the README.

Serves the portal on a throw-away SQLite file seeded with the demo data and drives Debian's Chromium with
Playwright:  .venv/bin/python scripts/screenshots.py [output dir, default docs/screenshots]
Shots are the first screen (not the full page) so each PNG stays small."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.e2e.conftest import ARGS, CHROMIUM, LiveServer, login  # noqa: E402

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


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
    from portal.scoring.models import Objection

    with app.app_context():
        review = db.session.scalar(select(ProjectFiling.id).where(ProjectFiling.status.in_(("confirmed", "under_review")))
                                   .order_by(ProjectFiling.id))
        score = db.session.scalar(select(Objection.firm_score_id).where(Objection.status != "submitted")
                                  .order_by(Objection.id)) or db.session.scalar(select(Objection.firm_score_id))
    return {
        "regulator-home": ("regulator", "/home/"),
        "dashboard": ("regulator", "/supervision/"),
        "filing-review": ("regulator", f"/filings/{review}"),
        "score-after-objection": ("regulator", f"/scoring/scores/{score}"),
        "firm-filing-form": ("vendor01", "/filings/new"),
        "agency-feedback-form": ("agency01", None),
        "filings-list": ("regulator", "/filings/"),
    }


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-shots-") as tmp:
        app = _app(Path(tmp))
        targets = _targets(app)
        server = LiveServer(app).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                for size, viewport in SIZES.items():
                    for user in dict.fromkeys(u for u, _path in targets.values()):
                        context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1,
                                                      is_mobile=size == "phone", has_touch=size == "phone")
                        page = context.new_page()
                        login(page, server.url, user)
                        page.goto(f"{server.url}/home/?lang=zh_CN")
                        for name, (who, path) in targets.items():
                            if who != user:
                                continue
                            if path is None:  # the agency's first project due for a rating
                                page.goto(f"{server.url}/agency/")
                                path = page.eval_on_selector("a[href*='period=completion']", "a => a.pathname + a.search")
                            page.goto(server.url + path)
                            page.screenshot(path=str(out / f"{name}-{size}.png"))
                            print(out / f"{name}-{size}.png")
                        context.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
