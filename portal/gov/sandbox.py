"""A local stand-in for the government platform that speaks its HTTP contract and injects faults.

Contract (every endpoint except /oauth/authorize and /_admin/* must carry the X- signature headers):

    GET  /oauth/authorize?app_id&redirect_uri&state[&user=ID]   browser sign-in; 302 to
                                                                redirect_uri?ticket=..&state=..
    POST /oauth/token      {"ticket", "redirect_uri"}        → {"access_token", "token_type", "expires_in"}
    GET  /userinfo         Authorization: Bearer <token>    → {"platform_user_id", "name", "account_type",
                                                                "uscc", "real_name_level"}
    GET  /enterprise/<uscc>                                 → {"uscc", "registered_name",
                                                                "legal_representative", "status",
                                                                "business_scope", "reason"}
    POST /messages         {"platform_user_id", "template_code", "params", "idempotency_key"}
                                                            → 201 {"message_id", "platform_user_id",
                                                                   "template_code"}
    POST /cases            {"case_no", "title", "status", "applicant_uscc", "idempotency_key"}
                                                            → 201 {"case_no", "platform_case_id",
                                                                   "status", "revision"}
    PUT  /cases/<case_no>  {"status", "remark", "idempotency_key"}  → the same case object
    POST /audit-anchors    {"sequence", "chain_hash", "anchored_at", "idempotency_key"}
                                                            → 201 {"receipt_id", "sequence",
                                                                   "chain_hash", "anchored_at"}
    GET  /health                                            → {"status": "ok"}

Success answers are {"data": {...}}; failures are {"error": {"code", "message"}} with a 4xx status
(401 for signature, ticket and token problems) or 503 (injected fault).

Admin endpoints for tests and demos (unsigned; the sandbox binds to 127.0.0.1):

    GET|POST /_admin/faults     {"error_rate", "latency_ms", "timeout_after_apply_rate",
                                 "timeout_sleep_ms", "seed"}; POST replaces all of them
    GET  /_admin/dedupe-log     {"data": {key: {"operation", "received", "applied"}}}
    POST /_admin/reset          forget everything but the configured users and enterprises
    POST /_admin/tickets        {"platform_user_id", "redirect_uri"[, "state", "name", "account_type",
                                 "uscc", "real_name_level"]} → 201 {"ticket", "redirect_url"}
    POST /_admin/users          a user object;  POST /_admin/enterprises  an enterprise object
    GET  /_admin/messages, GET /_admin/cases, GET /_admin/anchors
                                what the portal has pushed, filed and anchored
    GET  /_admin/requests       contract requests received, per "METHOD /rule" (attempts, not outcomes)
    POST /_admin/callbacks      {"url", "event_type", "data"[, "event_id"]}: sign and POST a platform
                                callback to the portal; answers the portal's status and body
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import requests
from flask import Flask, Response, jsonify, redirect, request
from markupsafe import escape
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .fake import FakeGovPlatform
from .port import EnterpriseInfo, GovAuthError, GovError, GovRejected, GovUserInfo
from .signing import (
    DEFAULT_WINDOW_SECONDS,
    SIGN_METHODS,
    InMemoryNonceStore,
    NonceStore,
    SignatureError,
    sign_request,
    verify_request,
)

DEFAULT_APP_ID = "portal-dev"
DEFAULT_SECRET = "sandbox-secret-not-for-production"
EXTENSION_KEY = "gov_sandbox"


@dataclass(frozen=True)
class Faults:
    """What the sandbox does wrong on purpose. Rates are probabilities per contract request."""

    error_rate: float = 0.0
    latency_ms: int = 0
    timeout_after_apply_rate: float = 0.0
    timeout_sleep_ms: int = 6000
    seed: int | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Faults:
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        faults = cls(
            error_rate=float(values.get("error_rate", 0.0)),
            latency_ms=int(values.get("latency_ms", 0)),
            timeout_after_apply_rate=float(values.get("timeout_after_apply_rate", 0.0)),
            timeout_sleep_ms=int(values.get("timeout_sleep_ms", 6000)),
            seed=None if values.get("seed") is None else int(values["seed"]),
        )
        for rate in (faults.error_rate, faults.timeout_after_apply_rate):
            if not 0.0 <= rate <= 1.0:
                raise ValueError("rates must lie between 0 and 1")
        if faults.latency_ms < 0 or faults.timeout_sleep_ms < 0:
            raise ValueError("durations cannot be negative")
        return faults


def user_from_mapping(values: Mapping[str, Any]) -> GovUserInfo:
    return GovUserInfo(
        platform_user_id=str(values["platform_user_id"]),
        name=str(values.get("name") or values["platform_user_id"]),
        account_type=values.get("account_type", "natural"),
        uscc=values.get("uscc") or None,
        real_name_level=int(values.get("real_name_level", 3)),
    )


def enterprise_from_mapping(values: Mapping[str, Any]) -> EnterpriseInfo:
    return EnterpriseInfo(
        uscc=str(values["uscc"]),
        registered_name=str(values.get("registered_name", "")),
        legal_representative=str(values.get("legal_representative", "")),
        status=str(values.get("status", "active")),
        business_scope=str(values.get("business_scope", "")),
        reason=str(values.get("reason", "")),
    )


class Sandbox:
    """The sandbox's state: the in-memory platform, the verifier's nonces and the fault dice.

    Config keys (all optional): app_id, secret, sign_methods, window, clock, ticket_ttl, token_ttl,
    users and enterprises (dataclasses or mappings), synthesize_unknown_enterprises, seed, faults (a
    mapping as for /_admin/faults), nonce_store, callback_app_id and callback_secret (the platform's own
    credentials for callbacks; default app_id and secret).
    """

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        config = dict(config or {})
        self.app_id: str = config.get("app_id", DEFAULT_APP_ID)
        self.secret: str | bytes = config.get("secret", DEFAULT_SECRET)
        self.callback_app_id: str = config.get("callback_app_id", self.app_id)
        self.callback_secret: str | bytes = config.get("callback_secret", self.secret)
        self.sign_methods = frozenset(config.get("sign_methods", SIGN_METHODS))
        self.window: int = int(config.get("window", DEFAULT_WINDOW_SECONDS))
        self.clock: Callable[[], float] = config.get("clock", time.time)
        self._given_nonce_store: NonceStore | None = config.get("nonce_store")
        self.platform = FakeGovPlatform(
            app_id=self.app_id,
            base_url="",
            clock=self.clock,
            ticket_ttl=float(config.get("ticket_ttl", 120.0)),
            token_ttl=float(config.get("token_ttl", 7200.0)),
            users=[
                u if isinstance(u, GovUserInfo) else user_from_mapping(u) for u in config.get("users", ())
            ],
            enterprises=[
                e if isinstance(e, EnterpriseInfo) else enterprise_from_mapping(e)
                for e in config.get("enterprises", ())
            ],
            synthesize_unknown_enterprises=bool(config.get("synthesize_unknown_enterprises", False)),
            seed=config.get("seed"),
        )
        faults = dict(config.get("faults", {}))
        faults.setdefault("seed", config.get("seed"))
        self._initial_faults = Faults.from_mapping(faults)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.reset()

    def reset(self) -> None:
        self.platform.reset()
        self.nonce_store: NonceStore = (
            self._given_nonce_store if self._given_nonce_store is not None else InMemoryNonceStore(self.clock)
        )
        self.set_faults(self._initial_faults)
        with self._lock:
            self.request_counts: Counter[str] = Counter()

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._dice = random.Random(faults.seed)

    def count_request(self, endpoint: str) -> None:
        with self._lock:
            self.request_counts[endpoint] += 1

    def roll(self) -> tuple[float, float]:
        """Two draws per request, whatever the rates, so a seed replays the same sequence of faults."""
        with self._lock:
            return self._dice.random(), self._dice.random()

    def pause(self, milliseconds: int) -> None:
        """Sleep, but wake at once when the server is shutting down."""
        if milliseconds > 0:
            self._stopping.wait(milliseconds / 1000)

    def close(self) -> None:
        self._stopping.set()

    def verify(self) -> None:
        verify_request(
            method=request.method,
            path=request.script_root + request.path,
            query=request.query_string.decode("latin-1"),
            body=request.get_data(cache=True),
            headers=request.headers,
            credentials={self.app_id: self.secret},
            nonce_store=self.nonce_store,
            now=self.clock(),
            window=self.window,
            allowed_methods=self.sign_methods,
        )


def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify(error={"code": code, "message": message}), status


def _body() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    try:
        document = json.loads(raw or b"{}")
    except ValueError as exc:
        raise GovRejected("body is not JSON", code="invalid_json", status=400) from exc
    if not isinstance(document, dict):
        raise GovRejected("body must be a JSON object", code="invalid_json", status=400)
    return document


def _field(body: Mapping[str, Any], name: str, kind: type = str, *, optional: bool = False) -> Any:
    value = body.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind):
        raise GovRejected(f"{name} must be a {kind.__name__}", code="invalid_request", status=400)
    return value


def _with_query(url: str, extra: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def create_sandbox_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A Flask app speaking the platform contract; its Sandbox is app.extensions["gov_sandbox"]."""
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    sandbox = Sandbox(config)
    app.extensions[EXTENSION_KEY] = sandbox
    platform = sandbox.platform

    def contract(handler: Callable[[], tuple[Any, int]], *, changes_state: bool) -> Any:
        sandbox.count_request(
            f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
        )
        error_roll, timeout_roll = sandbox.roll()
        faults = sandbox.faults
        sandbox.pause(faults.latency_ms)
        if error_roll < faults.error_rate:
            return _error(503, "injected_fault", "the sandbox was told to fail this request")
        try:
            sandbox.verify()
        except SignatureError as exc:
            return _error(401, exc.code, exc.message)
        try:
            data, status = handler()
        except GovError as exc:
            return _error(exc.status or 400, exc.code, exc.message)
        if changes_state and timeout_roll < faults.timeout_after_apply_rate:
            # Applied, but the caller gives up before hearing so: the case idempotency keys exist for.
            sandbox.pause(faults.timeout_sleep_ms)
        return jsonify(data=data), status

    @app.get("/oauth/authorize")
    def authorize() -> Any:
        app_id = request.args.get("app_id", "")
        redirect_uri = request.args.get("redirect_uri", "")
        state = request.args.get("state", "")
        if app_id != sandbox.app_id or not redirect_uri.startswith(("http://", "https://")):
            return Response("Unknown app_id or missing redirect_uri.", status=400, mimetype="text/plain")
        user_id = request.args.get("user", "").strip()
        if user_id:
            if platform.get_user(user_id) is None:
                try:
                    platform.add_user(
                        user_from_mapping({**request.args.to_dict(), "platform_user_id": user_id})
                    )
                except (ValueError, KeyError) as exc:
                    return Response(f"Invalid test user: {exc}", status=400, mimetype="text/plain")
            ticket = platform.mint_ticket(user_id, redirect_uri)
            return redirect(_with_query(redirect_uri, {"ticket": ticket, "state": state}), code=302)
        keep = {"app_id": app_id, "redirect_uri": redirect_uri, "state": state}
        links = "".join(
            f'<li><a href="?{escape(urlencode({**keep, "user": u.platform_user_id}))}">'
            f"{escape(u.name)} ({escape(u.account_type)}, level {u.real_name_level}"
            f"{', ' + escape(u.uscc) if u.uscc else ''})</a></li>"
            for u in platform.users()
        )
        hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in keep.items())
        page = (
            "<!doctype html><meta charset='utf-8'><title>Platform sandbox sign-in</title>"
            "<h1>Platform sandbox sign-in</h1><p>Sign in as a test user:</p>"
            f"<ul>{links or '<li>No test users yet.</li>'}</ul>"
            f"<h2>New test user</h2><form method='get'>{hidden}"
            "<label>User id <input name='user' required></label> "
            "<label>Name <input name='name'></label> "
            "<label>Account <select name='account_type'><option>natural</option><option>legal</option>"
            "</select></label> <label>USCC <input name='uscc'></label> "
            "<label>Real-name level <input name='real_name_level' type='number' min='2' max='5' value='3'>"
            "</label> <button>Sign in</button></form>"
        )
        return Response(page, mimetype="text/html")

    @app.post("/oauth/token")
    def token() -> Any:
        def handle() -> tuple[Any, int]:
            body = _body()
            issued = platform.exchange_ticket(_field(body, "ticket"), _field(body, "redirect_uri"))
            data = {
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": platform.token_expires_in(issued.access_token),
            }
            return data, 200

        return contract(handle, changes_state=True)

    @app.get("/userinfo")
    def userinfo() -> Any:
        def handle() -> tuple[Any, int]:
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                raise GovAuthError("Bearer token required", code="invalid_token", status=401)
            return asdict(platform.user_info(header.removeprefix("Bearer ").strip())), 200

        return contract(handle, changes_state=False)

    @app.get("/enterprise/<uscc>")
    def enterprise(uscc: str) -> Any:
        return contract(lambda: (asdict(platform.verify_enterprise(uscc)), 200), changes_state=False)

    @app.post("/messages")
    def messages() -> Any:
        def handle() -> tuple[Any, int]:
            body = _body()
            result = platform.push_message(
                _field(body, "platform_user_id"),
                _field(body, "template_code"),
                _field(body, "params", dict),
                _field(body, "idempotency_key"),
            )
            return asdict(result), 201

        return contract(handle, changes_state=True)

    @app.post("/cases")
    def create_case() -> Any:
        def handle() -> tuple[Any, int]:
            body = _body()
            result = platform.create_case(
                _field(body, "case_no"),
                _field(body, "title"),
                _field(body, "status"),
                _field(body, "applicant_uscc", optional=True),
                _field(body, "idempotency_key"),
            )
            return asdict(result), 201

        return contract(handle, changes_state=True)

    @app.put("/cases/<path:case_no>")
    def update_case(case_no: str) -> Any:
        def handle() -> tuple[Any, int]:
            body = _body()
            result = platform.update_case(
                case_no, _field(body, "status"), _field(body, "remark"), _field(body, "idempotency_key")
            )
            return asdict(result), 200

        return contract(handle, changes_state=True)

    @app.post("/audit-anchors")
    def audit_anchors() -> Any:
        def handle() -> tuple[Any, int]:
            body = _body()
            result = platform.anchor_audit(
                _field(body, "sequence", int),
                _field(body, "chain_hash"),
                _field(body, "anchored_at"),
                _field(body, "idempotency_key"),
            )
            return asdict(result), 201

        return contract(handle, changes_state=True)

    @app.get("/health")
    def health() -> Any:
        return contract(lambda: ({"status": "ok"}, 200), changes_state=False)

    # -- admin ----------------------------------------------------------------------------------

    def admin(handler: Callable[[], tuple[Any, int]]) -> Any:
        try:
            data, status = handler()
        except GovError as exc:
            return _error(exc.status or 400, exc.code, exc.message)
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, "invalid_request", str(exc))
        return jsonify(data=data), status

    @app.route("/_admin/faults", methods=["GET", "POST"])
    def admin_faults() -> Any:
        def handle() -> tuple[Any, int]:
            if request.method == "POST":
                sandbox.set_faults(Faults.from_mapping(_body()))
            return asdict(sandbox.faults), 200

        return admin(handle)

    @app.get("/_admin/dedupe-log")
    def admin_dedupe_log() -> Any:
        return admin(lambda: ({k: asdict(v) for k, v in platform.dedupe_log().items()}, 200))

    @app.post("/_admin/reset")
    def admin_reset() -> Any:
        def handle() -> tuple[Any, int]:
            sandbox.reset()
            return {"reset": True}, 200

        return admin(handle)

    @app.post("/_admin/users")
    def admin_users() -> Any:
        def handle() -> tuple[Any, int]:
            user = user_from_mapping(_body())
            platform.add_user(user)
            return asdict(user), 201

        return admin(handle)

    @app.post("/_admin/enterprises")
    def admin_enterprises() -> Any:
        def handle() -> tuple[Any, int]:
            info = enterprise_from_mapping(_body())
            platform.add_enterprise(info)
            return asdict(info), 201

        return admin(handle)

    @app.post("/_admin/tickets")
    def admin_tickets() -> Any:
        def handle() -> tuple[Any, int]:
            body = _body()
            user_id = _field(body, "platform_user_id")
            redirect_uri = _field(body, "redirect_uri")
            if "name" in body or platform.get_user(user_id) is None:
                platform.add_user(user_from_mapping(body))
            ticket = platform.mint_ticket(user_id, redirect_uri)
            state = str(body.get("state", ""))
            return {
                "ticket": ticket,
                "redirect_url": _with_query(redirect_uri, {"ticket": ticket, "state": state}),
            }, 201

        return admin(handle)

    @app.get("/_admin/requests")
    def admin_requests() -> Any:
        return admin(lambda: (dict(sandbox.request_counts), 200))

    @app.get("/_admin/messages")
    def admin_messages() -> Any:
        return admin(lambda: ([asdict(p) for p in platform.pushes], 200))

    @app.get("/_admin/cases")
    def admin_cases() -> Any:
        return admin(lambda: ({no: asdict(c) for no, c in platform.cases.items()}, 200))

    @app.get("/_admin/anchors")
    def admin_anchors() -> Any:
        return admin(lambda: ([asdict(a) for a in platform.anchors], 200))

    @app.post("/_admin/callbacks")
    def admin_callbacks() -> Any:
        def handle() -> tuple[Any, int]:
            body = _body()
            url = _field(body, "url")
            event = {
                "event_id": str(body.get("event_id") or uuid.uuid4()),
                "event_type": _field(body, "event_type"),
                "occurred_at": int(sandbox.clock()),
                "data": _field(body, "data", dict),
            }
            status, text = send_callback(
                url,
                event,
                app_id=sandbox.callback_app_id,
                secret=sandbox.callback_secret,
                clock=sandbox.clock,
            )
            return {"event": event, "status": status, "body": text}, 200

        return admin(handle)

    return app


def send_callback(
    url: str,
    event: Mapping[str, Any],
    *,
    app_id: str,
    secret: str | bytes,
    sign_method: str = "HMAC-SHA256",
    clock: Callable[[], float] = time.time,
    timeout: float = 5.0,
) -> tuple[int, str]:
    """POST a signed platform callback, as the real platform would; returns the receiver's answer."""
    payload = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
    parts = urlsplit(url)
    headers = sign_request(
        "POST",
        unquote(parts.path or "/"),
        parts.query,
        payload,
        app_id=app_id,
        secret=secret,
        sign_method=sign_method,
        timestamp=int(clock()),
    )
    headers["Content-Type"] = "application/json; charset=utf-8"
    response = requests.post(url, data=payload, headers=headers, timeout=timeout, allow_redirects=False)
    return response.status_code, response.text


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Tests start many requests; the access log would drown their output."""


class SandboxServer:
    """Runs the sandbox on a background thread; use as a context manager, or start() and stop().

    port=0 picks a free port; url is known once started.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        quiet: bool = True,
    ) -> None:
        self.app = create_sandbox_app(config)
        self.sandbox: Sandbox = self.app.extensions[EXTENSION_KEY]
        self.host = host
        self.port = port
        self.quiet = quiet
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        self._server = make_server(
            self.host,
            self.port,
            self.app,
            threaded=True,
            request_handler=_QuietHandler if self.quiet else None,
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.sandbox.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def run_sandbox(host: str = "127.0.0.1", port: int = 5055, config: Mapping[str, Any] | None = None) -> None:
    """Serve the sandbox in the foreground with werkzeug's threaded server until interrupted."""
    app = create_sandbox_app(config)
    server = make_server(host, port, app, threaded=True)
    print(
        f" * Government platform sandbox on http://{host}:{server.server_port} (app id {app.extensions[EXTENSION_KEY].app_id})"
    )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    finally:
        app.extensions[EXTENSION_KEY].close()
        server.server_close()
