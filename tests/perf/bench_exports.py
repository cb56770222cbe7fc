"""Every export at province scale, full and streamed: each one is served in a fresh process of its own
(as one gunicorn worker would serve it) and read to the last byte; the figures are the time to the
first byte and to the last, the size, and the process's peak RSS (getrusage ru_maxrss, the same as
/proc/<pid>/status VmHWM) after the request against the same process's RSS before it."""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

# (label, path with {placeholders}, who, table whose rows it exports)
EXPORTS: list[tuple[str, str, str, str]] = [
    ("filings export", "/filings/export.xlsx", "regulator", "project_filing"),
    ("feedback export", "/feedback/export.xlsx", "regulator", "feedback"),
    # Over core.exports.MAX_ROWS the whole list is refused (422, narrow the filter); one firm's is not.
    ("feedback export (one firm)", "/feedback/export.xlsx?firm={firm_id}", "regulator", ""),
    ("firms export", "/firms/export.xlsx", "regulator", "firm"),
    ("staff export (one firm)", "/firms/{firm_id}/staff/export.xlsx", "regulator", ""),
    ("incidents export", "/incidents/export.xlsx", "regulator", "incident"),
    ("inspections export", "/supervision/inspections?format=xlsx", "regulator", "inspection"),
    ("rectifications export", "/supervision/rectifications?format=xlsx", "regulator", "rectification_order"),
    ("alerts export", "/supervision/alerts?format=xlsx&state=", "regulator", "alert"),
    ("follow-ups export", "/followups/export.xlsx", "regulator", "followup"),
    ("site checks export", "/sitechecks/export.xlsx", "regulator", "site_patrol"),
    ("audit log export", "/admin/audit/export", "auditor", "audit_event"),
]

SNIPPET = r"""
import json, re, resource, sys, time
from portal import create_app
path, who, password = sys.argv[1], sys.argv[2], sys.argv[3]
app = create_app(config_name="bench")
client = app.test_client()
page = client.get("/auth/login")
token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data)
client.post("/auth/login", data={"username": who, "password": password,
                                 "csrf_token": token.group(1).decode() if token else ""})
client.get("/home/")  # warm: templates, catalogues, the session's user
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
response = client.get(path, buffered=False)
first = None
size = 0
for chunk in response.response:
    if first is None:
        first = time.perf_counter() - started
    size += len(chunk)
response.close()
seconds = time.perf_counter() - started
print("EXPORTJSON " + json.dumps({
    "status": response.status_code, "streamed": response.is_streamed, "type": response.mimetype,
    "seconds": seconds, "first_byte": first or seconds, "bytes": size,
    "rss_before": rss_before, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@dataclass
class ExportResult:
    label: str
    path: str
    who: str
    rows: int
    state: str = "ok"
    seconds: float = 0.0
    first_byte: float = 0.0
    mb: float = 0.0
    peak_rss: float = 0.0
    rss_before: float = 0.0
    streamed: bool = False


def measure(python: str, root, env: dict, path: str, who: str, password: str, timeout: float = 900) -> dict:
    try:
        done = subprocess.run([python, "-c", SNIPPET, path, who, password], cwd=root, env=env, text=True,
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s (stopped)"}
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("EXPORTJSON ")), None)
    if line is None:
        return {"error": ((done.stderr.strip().splitlines() or ["no output"])[-1])[:120]}
    return json.loads(line.removeprefix("EXPORTJSON "))


def run_exports(python: str, root, env: dict, facts: dict, counts: dict, password: str,
                timeout: float = 240) -> list[ExportResult]:
    """Each export in its own process, stopped after `timeout` seconds (reported as such, a miss)."""
    results = []
    for label, raw, who, table in EXPORTS:
        try:
            path = raw.format(**facts)
        except KeyError:
            results.append(ExportResult(label, raw, who, 0, state="no data"))
            continue
        rows = counts.get(table, 0)
        print(f"  {label:<26} {path} ...", flush=True)
        figures = measure(python, root, env, path, who, password, timeout)
        result = ExportResult(label, path, who, rows)
        if "error" in figures:
            result.state = "error: " + figures["error"]
        elif figures["status"] != 200:
            result.state = f"HTTP {figures['status']}"
        else:
            result.seconds = figures["seconds"]
            result.first_byte = figures["first_byte"]
            result.mb = figures["bytes"] / 1024 / 1024
            result.peak_rss = figures["peak_rss"]
            result.rss_before = figures["rss_before"]
            result.streamed = figures["streamed"]
        results.append(result)
    return results
