"""Upgrading a populated SQLite database: batch migrations rebuild tables that other rows point at."""
from __future__ import annotations

import sqlite3

from flask_migrate import downgrade, upgrade

from portal import create_app


def test_upgrade_rebuilds_referenced_tables_on_a_populated_sqlite_database(tmp_path):
    path = tmp_path / "old.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "PASSWORD_HASH_FAST": True})
    with app.app_context():
        upgrade(revision="scale_1")  # before firms_1 rebuilt the firm table
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO firm (id, uscc, name, legal_representative, registered_address, operating_address,"
                 " district_code, business_scope, service_types, premises_ownership, premises_security,"
                 " equipment_summary, management_systems, liaison_name, liaison_email, status, status_reason,"
                 " good_standing, focus_supervision, inspection_weight, verification_status, verification_note,"
                 " version_id, created_at, updated_at) VALUES (1, '91350100M000100Y43', 'F', 'R', '', '', '510502',"
                 " '', '[]', '', '', '', '', '', '', 'active', '', 0, 0, 1, 'not_checked', '', 1,"
                 " '2026-01-01', '2026-01-01')")
    conn.execute("INSERT INTO user_account (id, username, display_name, email, password_hash, active,"
                 " must_change_password, failed_logins, firm_id, created_at, updated_at) VALUES"
                 " (1, 'u', 'U', '', 'x', 1, 0, 0, 1, '2026-01-01', '2026-01-01')")
    conn.commit()
    conn.close()
    with app.app_context():
        upgrade()
        from portal.auth.models import User
        from portal.extensions import db
        from portal.firms.models import Firm

        assert db.session.get(User, 1).firm_id == 1
        assert db.session.get(Firm, 1).application_ref_hash is None
        db.session.remove()
        downgrade(revision="scale_1")
