"""Operations contract: health check, migrations == models, demo seed, catalogue completeness."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from portal import create_app
from portal.auth.models import User, UserRole
from portal.extensions import db
from portal.firms.models import Firm
from portal.orgs.models import Agency, RegulatorOffice


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "ok"


@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent-directory/for/sure/portal.db",
    "postgresql+psycopg://postgres@127.0.0.1:1/unreachable?connect_timeout=2",
])
def test_healthz_503_when_database_unreachable(url, tmp_path):
    broken = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t",
                         "UPLOAD_DIR": str(tmp_path)})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "error"
    assert response.json["status"] != "ok"
    with broken.app_context():
        db.engine.dispose()


def test_migrations_match_models(app):
    """Alembic autogenerate after `upgrade` finds nothing to add, drop or alter."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, UserRole, Firm, Agency, RegulatorOffice)}


def test_seed_demo_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    # 27 registered firms (DESIGN §6) plus one self-registration waiting for review.
    assert counts["Firm"] == 28 and counts["Agency"] == 40
    registered = db.session.scalar(select(func.count(Firm.id)).where(Firm.status.in_(("active", "expiring"))))
    assert registered == 27
    usernames = set(db.session.scalars(select(User.username)))
    assert {"regulator", "district", "lead", "sysadmin", "secadmin", "auditor", "vendor01", "vendor27",
            "agency01", "agency40"} <= usernames
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == counts
    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "skipped" in skipped.output and _counts() == counts


def test_seed_demo_refused_in_production(app, runner):
    app.config["ENV_NAME"] = "production"
    try:
        result = runner.invoke(args=["seed-demo"])
    finally:
        app.config["ENV_NAME"] = "testing"
    assert result.exit_code != 0
    assert "refused" in result.output
    assert _counts()["User"] == 0


def test_every_msgid_has_a_zh_cn_translation():
    from portal.i18n_tools import missing

    gaps = missing()
    assert gaps == {}, "\n".join(f"{where[0]}: {key!r}" for key, where in sorted(gaps.items(), key=str))
