"""Every blueprint of the portal, in registration order (one line per area)."""
from __future__ import annotations


def BLUEPRINTS():  # noqa: N802 - reads like a constant at the call site
    from portal.admin import bp as admin_bp
    from portal.api import bp as api_bp
    from portal.auth import bp as auth_bp
    from portal.feedback import bp as feedback_bp
    from portal.files import bp as files_bp
    from portal.filings import bp as filings_bp
    from portal.firms import bp as firms_bp
    from portal.home import bp as home_bp
    from portal.incidents import bp as incidents_bp
    from portal.integrations import bp as integrations_bp
    from portal.public import bp as public_bp
    from portal.scoring import bp as scoring_bp
    from portal.supervision import bp as supervision_bp

    return [
        public_bp,
        auth_bp,
        home_bp,
        files_bp,
        firms_bp,
        filings_bp,
        supervision_bp,
        integrations_bp,
        api_bp,
        feedback_bp,
        incidents_bp,
        admin_bp,
        scoring_bp,
    ]
