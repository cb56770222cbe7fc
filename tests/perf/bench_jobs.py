"""Heavy jobs at province scale, each in a process of its own, timed with its peak memory (ru_maxrss of
the finished process, from wait4): the alert scan, period scoring, audit verify and the outbox
delivering to the sandbox over real HTTP with 2 and 4 worker processes."""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass


@dataclass
class JobResult:
    label: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    detail: str = ""
    ok: bool = True


def measured_wait4(command: list[str], cwd, env: dict, timeout: float = 1800) -> tuple[int, float, float, str, str]:
    """As measured(), with the process's own peak RSS from wait4 (output goes to temporary files)."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, open(os.devnull) as stdin:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=stdin, stdout=out, stderr=err, text=True)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return proc.returncode, seconds, usage.ru_maxrss / 1024, out.read(), err.read()


def _last(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:160] if lines else ""


def run_jobs(python: str, root, env: dict, scoring_snippet: str, audit_rows: int, outbox_db: str | None,
             messages: int) -> list[JobResult]:
    results = []
    flask = [python, "-m", "flask", "--app", "wsgi"]

    print("  alert scan ...", flush=True)
    code, seconds, peak, out, err = measured_wait4([*flask, "alerts", "scan"], root, env)
    results.append(JobResult("alert scan (`flask alerts scan`)", seconds, peak, _last(out) or _last(err), code == 0))

    print("  period scoring ...", flush=True)
    code, seconds, peak, out, err = measured_wait4([python, "-c", scoring_snippet], root, env)
    line = next((ln for ln in reversed(out.splitlines()) if ln.startswith("{")), None)
    detail = json.loads(line)["result"] if line else f"error: {_last(err)}"
    match = re.match(r"([\d.]+) s for", detail)
    # The job's own time (without the process start-up) when the snippet reports it.
    results.append(JobResult("period scoring (600 firms)", float(match.group(1)) if match else seconds, peak,
                             detail + f"; process {seconds:.1f} s", line is not None and "error" not in detail))

    print("  audit verify ...", flush=True)
    code, seconds, peak, out, err = measured_wait4([*flask, "audit", "verify"], root, env)
    per_row = seconds / audit_rows if audit_rows else 0.0
    if audit_rows >= 10_000_000:  # seeded with --audit-rows 10000000: the target measured, not extrapolated
        rate = f"; {audit_rows:,} rows: {audit_rows / seconds:,.0f} rows/s (measured)"
    elif audit_rows:
        rate = (f"; {audit_rows:,} rows: {audit_rows / seconds:,.0f} rows/s, extrapolated to 10,000,000 rows: "
                f"{per_row * 10_000_000:,.0f} s (linear, not measured)")
    else:
        rate = ""
    detail = (_last(out) or _last(err)) + rate
    results.append(JobResult(f"audit verify ({audit_rows:,} rows)", seconds, peak, detail, code == 0))

    for workers in (2, 4):
        print(f"  outbox, {workers} workers ...", flush=True)
        command = [python, "tests/perf/bench_outbox.py", "--messages", str(messages), "--workers", str(workers)]
        if outbox_db:
            command += ["--db", outbox_db]
        code, seconds, peak, out, err = measured_wait4(command, root, env)
        line = next((ln for ln in out.splitlines() if ln.startswith("OUTBOXJSON ")), None)
        if line is None:
            results.append(JobResult(f"outbox, {workers} workers", seconds, peak, f"error: {_last(err)}", False))
            continue
        figures = json.loads(line.removeprefix("OUTBOXJSON "))
        window = figures["window_rate"]
        results.append(JobResult(
            f"outbox to the sandbox over HTTP, {workers} workers", figures["seconds"], peak,
            f"{figures['delivered']}/{figures['messages']} delivered, {figures['lost']} lost, {figures['doubled']} "
            f"doubled; {figures['rate']:,.0f} msg/s from start (start-up included), "
            f"{window:,.0f} msg/s over the delivery window" if window else "",
            figures["lost"] == 0 and figures["doubled"] == 0))
        results[-1].rate = figures["rate"]  # type: ignore[attr-defined]
        results[-1].window_rate = window  # type: ignore[attr-defined]
    return results
