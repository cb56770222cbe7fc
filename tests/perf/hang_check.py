"""Portal pages stay fast while the platform hangs: the sandbox delays every call by 10 s.

Starts the sandbox (every contract call sleeps --latency-ms) and the portal (GOV_MODE=http) on
127.0.0.1 with random ports, makes platform calls until the circuit breaker opens, then times the
login page, the filing list (the filings page when that area is installed, and the API list), the
home page and the integration page. Prints median, p95 and max; exits 1 when a page's median
reaches --limit-ms.

    python tests/perf/hang_check.py [--latency-ms 10000] [--limit-ms 200]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.gov.sandbox import SandboxServer  # noqa: E402

APP_ID = "hang-check"
SECRET = "hang-check-secret-0123456789"


def _time(session: requests.Session, url: str, repeat: int) -> tuple[list[float], int]:
    session.get(url, timeout=30, allow_redirects=False)  # warm-up: template compilation, connections
    timings = []
    status = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = session.get(url, timeout=30, allow_redirects=False)
        timings.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return timings, status


def _login(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{base}/auth/login", data={"username": username, "password": password},
                            allow_redirects=False, timeout=30)
    if response.status_code not in (302, 303):
        raise RuntimeError(f"login as {username} failed: {response.status_code}")
    return session


def run(args: argparse.Namespace) -> int:
    from flask_migrate import upgrade

    from portal.firms.verification import verify_firm
    from portal.integrations import gov_client
    from tests.builders import PASSWORD, Builder
    from tests.govint.live import live_portal

    tmp = Path(tempfile.mkdtemp(prefix="hang-check-"))
    sandbox = SandboxServer({"app_id": APP_ID, "secret": SECRET,
                             "faults": {"latency_ms": args.latency_ms}}).start()
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'hang.db'}", "TESTING": True, "PASSWORD_HASH_FAST": True,
        "WTF_CSRF_ENABLED": False, "UPLOAD_DIR": str(tmp / "uploads"),
        "GOV_MODE": "http", "GOV_BASE_URL": sandbox.url, "GOV_APP_ID": APP_ID, "GOV_SECRET": SECRET,
        "GOV_BREAKER_THRESHOLD": args.threshold, "GOV_BREAKER_RESET_SECONDS": 600,
        "GOV_INTERACTIVE_TIMEOUT": args.interactive_timeout,
    }, config_name="testing")
    failures = []
    try:
        with app.app_context():
            upgrade()
            build = Builder(seed=5)
            firm = build.firm()
            for status in ("registered", "in_progress", "submitted", "closed"):
                build.filing(firm=firm, status=status)
            build.user("vendor", username="hang-vendor", firm_id=firm.id)
            build.user("sysadmin", username="hang-admin")
            # Business actions that call the platform while it hangs: each waits at most the
            # interactive timeout, then counts as a failure against the shared breaker.
            started = time.perf_counter()
            calls = 0
            while gov_client.breaker(app).state != "open" and calls < 20:
                status, _ = verify_firm(firm)
                db.session.rollback()
                calls += 1
            opened_after = time.perf_counter() - started
            state = gov_client.breaker(app).state
        print(f"sandbox latency        : {args.latency_ms} ms per call")
        print(f"breaker                : {state} after {calls} platform calls ({opened_after:.1f} s, "
              f"each cut at the {args.interactive_timeout:.0f} s interactive timeout; last verification: {status})")
        if state != "open":
            failures.append("the breaker did not open")
        with live_portal(app) as base:
            anonymous = requests.Session()
            vendor = _login(base, "hang-vendor", PASSWORD)
            admin = _login(base, "hang-admin", PASSWORD)
            pages = [("login page", anonymous, "/auth/login", True),
                     ("filing list (API)", vendor, "/api/v1/filings", False),
                     ("home page", vendor, "/home/", True),
                     ("integration page", admin, "/integrations/", True)]
            if any(rule.endpoint == "filings.index" for rule in app.url_map.iter_rules()):
                pages.insert(1, ("filing list", vendor, "/filings/", True))
            if any(label == "filing list (API)" for label, *_ in pages):
                with app.app_context():
                    from portal.api import tokens as api_tokens

                    token = api_tokens.create("hang-vendor")[0]
                vendor.headers["Authorization"] = f"Bearer {token}"
            for label, session, path, _html in pages:
                timings, code = _time(session, base + path, args.repeat)
                median = statistics.median(timings)
                p95 = sorted(timings)[max(0, int(len(timings) * 0.95) - 1)]
                print(f"{label:<22} : {path:<18} status {code}  median {median:6.1f} ms  p95 {p95:6.1f} ms  "
                      f"max {max(timings):6.1f} ms  ({args.repeat} requests)")
                if code != 200:
                    failures.append(f"{label} answered {code}")
                # The median is judged: on a shared machine single requests can wait for a CPU.
                if median >= args.limit_ms:
                    failures.append(f"{label} took {median:.0f} ms (median)")
    finally:
        sandbox.stop()
    print("RESULT                 : " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)))
    return 0 if not failures else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=int, default=10000)
    parser.add_argument("--limit-ms", type=float, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--threshold", type=int, default=5, help="GOV_BREAKER_THRESHOLD")
    parser.add_argument("--interactive-timeout", type=float, default=3.0, help="GOV_INTERACTIVE_TIMEOUT")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
