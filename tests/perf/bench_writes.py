"""Writes under load: 16 clients, each signed in as a different user of the scale seed through the real
login form, do for a bounded time what people do at the busiest hour, through the same forms a person
uses (each form fetched first: its CSRF token, version and current values come from the page):

- agencies rate a project they commissioned (the monthly or completion feedback form of the project);
- firms save their draft, returned or declined filings and submit them;
- regulators act on the review queue (start review, then register or return);
- firms record the day's site patrol of a project in progress.

Every POST is classified: a redirect is a saved write; 409 a detected conflict (a lost update refused,
counted apart); a form shown again with its message is a refusal by the rules; 5xx, or "database is
locked" anywhere in a response or in the server log, is an error."""
from __future__ import annotations

import random
import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

CLIENTS = {"agency": 4, "firm filings": 4, "regulator": 3, "firm patrols": 5}  # 16 in all
REGULATORS = ("regulator", "lead", "district")


class _Forms(HTMLParser):
    """The page's forms: action, method and the values a browser would send as the page stands."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": [], "radios": {}}
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind == "radio":
                form["radios"].setdefault(name, [])
                form["radios"][name].append(a.get("value", "on"))
                if "checked" in a:
                    form["fields"].append((name, a.get("value", "on")))
                return
            if kind == "checkbox":
                if "checked" in a:
                    form["fields"].append((name, a.get("value", "y")))
                return
            form["fields"].append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None and value:
                self._select_first = value
            if "selected" in a:
                form["fields"].append((self._select, value))
                self._select = None
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"].append((name, ""))

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            name, value = self._form["fields"][-1]
            self._form["fields"][-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._form is not None:
            if self._select_first is not None:
                self._form["fields"].append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def find_form(html: str, action_pattern: str, page_path: str = "") -> dict | None:
    """The page's POST form whose action (the page itself when the form names none) matches."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = form["action"] or page_path
        if form["method"] == "post" and re.search(action_pattern, form["action"]):
            return form
    return None


def form_data(form: dict, overrides: dict[str, str]) -> list[tuple[str, str]]:
    data = [(k, v) for k, v in form["fields"] if k not in overrides]
    present = {k for k, _ in data}
    for name, options in form["radios"].items():
        if name not in present and name not in overrides:
            # A rating of 4 needs no narrative; otherwise "yes", otherwise the first choice.
            data.append((name, next((o for o in ("4", "yes") if o in options), options[0])))
    data += list(overrides.items())
    return data


@dataclass
class WriteStats:
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)  # (scenario, outcome) -> count
    samples: dict[str, str] = field(default_factory=dict)  # outcome -> one example URL
    lock = threading.Lock()

    def add(self, scenario: str, outcome: str, seconds: float | None, url: str) -> None:
        """One outcome; `seconds` is the POST's latency (None for what was no write: a page, a failure)."""
        with self.lock:
            if seconds is not None:
                self.latencies.append(seconds)
            self.outcomes[(scenario, outcome)] += 1
            self.samples.setdefault(f"{scenario}: {outcome}", url)

    def p95(self) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[94] * 1000

    def count(self, outcome: str) -> int:
        return sum(n for (_s, o), n in self.outcomes.items() if o == outcome)


class Client:
    def __init__(self, base: str, username: str, password: str, stats: WriteStats, scenario: str) -> None:
        import requests

        self.base, self.username, self.stats, self.scenario = base, username, stats, scenario
        self.session = requests.Session()
        page = self.session.get(f"{base}/auth/login", timeout=60)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        response = self.session.post(f"{base}/auth/login", allow_redirects=False, timeout=60, data={
            "username": username, "password": password, "csrf_token": token.group(1) if token else ""})
        self.ok = response.status_code in (302, 303) and "/auth/" not in response.headers.get("Location", "/auth/")

    def get(self, path: str):
        response = self.session.get(self.base + path, timeout=60)
        if response.status_code >= 500 or "database is locked" in response.text:
            self.stats.add(self.scenario, "error", None, path)
            return None
        return response if response.status_code == 200 else None

    def submit(self, page_path: str, action_pattern: str, overrides: dict[str, str] | None = None) -> str | None:
        """GET the page, POST its form matching `action_pattern`; returns the outcome (None: no form)."""
        page = self.get(page_path)
        if page is None:
            return None
        form = find_form(page.text, action_pattern, page_path)
        if form is None:
            self.stats.add(self.scenario, "no form on the page", None, page_path)
            return None
        action = form["action"]
        target = action if action.startswith("http") else self.base + action
        started = time.perf_counter()
        response = self.session.post(target, data=form_data(form, overrides or {}), allow_redirects=False,
                                     timeout=60)
        seconds = time.perf_counter() - started
        status = response.status_code
        if status >= 500 or "database is locked" in response.text:
            outcome = "error"
        elif status == 409:
            outcome = "conflict"
        elif status in (302, 303):
            outcome = "saved"
        elif status == 200:
            outcome = "refused (form shown again)"
        else:
            outcome = f"HTTP {status}"
        self.stats.add(self.scenario, outcome, seconds, action)
        return outcome


def pick_users(conn) -> dict[str, list[tuple[str, list[int]]]]:
    """(username, filing ids) per scenario, from the seeded database; every username differs."""
    def grouped(sql: str, n: int, taken: set[str]) -> list[tuple[str, list[int]]]:
        by_user: dict[str, list[int]] = {}
        for username, filing_id in conn.exec_driver_sql(sql):
            by_user.setdefault(username, []).append(filing_id)
        ranked = sorted(((u, ids) for u, ids in by_user.items() if u not in taken), key=lambda kv: -len(kv[1]))
        chosen = ranked[:n]
        taken.update(u for u, _ in chosen)
        return chosen

    taken: set[str] = set()
    users = {
        "agency": grouped(
            "SELECT u.username, f.id FROM project_filing f JOIN user_account u ON u.agency_id = f.agency_id "
            "WHERE f.status IN ('in_progress', 'completed', 'accepted') AND u.active", CLIENTS["agency"], taken),
        "firm filings": grouped(
            "SELECT u.username, f.id FROM project_filing f JOIN user_account u ON u.firm_id = f.firm_id "
            "WHERE f.status IN ('draft', 'returned', 'declined') AND u.active", CLIENTS["firm filings"], taken),
        "firm patrols": grouped(
            "SELECT u.username, f.id FROM project_filing f JOIN user_account u ON u.firm_id = f.firm_id "
            "WHERE f.status = 'in_progress' AND u.active", CLIENTS["firm patrols"], taken),
    }
    queue = [r[0] for r in conn.exec_driver_sql(
        "SELECT id FROM project_filing WHERE status IN ('confirmed', 'under_review') ORDER BY id")]
    district = {r[0] for r in conn.exec_driver_sql(
        "SELECT id FROM project_filing WHERE status IN ('confirmed', 'under_review') AND district_code = "
        "(SELECT district_code FROM regulator_office o JOIN user_account u ON u.office_id = o.id "
        "WHERE u.username = 'district')")}
    users["regulator"] = [(name, [i for i in queue if i in district] if name == "district" else queue)
                          for name in REGULATORS[:CLIENTS["regulator"]]]
    return users


def run_writes(base: str, users: dict, password: str, duration: float, seed: int = 16) -> tuple[WriteStats, int]:
    """Run every client for `duration` seconds; returns the figures and the number of clients signed in."""
    stats = WriteStats()
    deadline = time.perf_counter() + duration
    queue_lock = threading.Lock()
    shared_queue: list[int] = list(users["regulator"][0][1]) if users.get("regulator") else []
    rng_seed = [seed]

    def agency(client: Client, filings: list[int], rng: random.Random) -> None:
        filing = rng.choice(filings)
        page = client.get(f"/feedback/project/{filing}")
        if page is None:
            return
        links = re.findall(r'href="(/feedback/project/\d+/rate[^"]*)"', page.text) or \
            re.findall(r'href="(/feedback/\d+/edit)"', page.text)
        if links:
            link = rng.choice(links).replace("&amp;", "&")
            client.submit(link, r"/(rate|edit)", {"narrative": "压力测试：按时完成，质量良好。"})

    def firm_filing(client: Client, filings: list[int], rng: random.Random) -> None:
        if not filings:  # every draft of this firm is submitted: it has nothing left to file
            time.sleep(0.5)
            return
        filing = rng.choice(filings)
        outcome = client.submit(f"/filings/{filing}/edit", rf"/filings/{filing}/edit")
        if outcome == "saved" and rng.random() < 0.3:
            if client.submit(f"/filings/{filing}", rf"/filings/{filing}/act/submit") == "saved":
                filings.remove(filing)

    def regulator(client: Client, filings: list[int], rng: random.Random) -> None:
        with queue_lock:
            candidates = [f for f in shared_queue if f in set(filings)] if client.username == "district" else shared_queue
            if not candidates:
                filing = None
            else:
                filing = rng.choice(candidates[:50])
        if filing is None:
            time.sleep(0.5)
            return
        # The first decision the filing's page offers (start review, register or return), as a reviewer
        # working down the queue would; a filing that offers none any more has left the queue.
        outcome = client.submit(f"/filings/{filing}", rf"/filings/{filing}/act/(start_review|register|return)$",
                                {"reason": "材料不全，请补充。"})
        if outcome is None or (outcome == "saved" and rng.random() < 0.5):
            with queue_lock:
                if filing in shared_queue:
                    shared_queue.remove(filing)

    def patrol(client: Client, filings: list[int], rng: random.Random) -> None:
        filing = rng.choice(filings)
        client.submit(f"/sitechecks/filings/{filing}/patrol", r"/patrol", {"note": "巡查正常。"})

    work = {"agency": agency, "firm filings": firm_filing, "regulator": regulator, "firm patrols": patrol}
    clients: list[tuple[Client, list[int], object]] = []
    for scenario, entries in users.items():
        for username, filings in entries:
            client = Client(base, username, password, stats, scenario)
            if client.ok and filings:
                clients.append((client, list(filings), work[scenario]))

    def loop(client: Client, filings: list[int], step) -> None:
        rng = random.Random(f"{rng_seed[0]}:{client.username}")
        while time.perf_counter() < deadline:
            try:
                step(client, filings, rng)
            except Exception as exc:  # a broken connection or a timeout is an error of the run
                stats.add(client.scenario, "error", None, f"{type(exc).__name__}: {exc}"[:120])
                time.sleep(0.2)

    deadline = time.perf_counter() + duration
    threads = [threading.Thread(target=loop, args=c) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats, len(clients)
