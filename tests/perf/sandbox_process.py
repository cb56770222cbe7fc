"""Run the platform sandbox in its own process (so it does not share the measured process's GIL)."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def sandbox_process(config: dict[str, Any], server: str = "gunicorn") -> Iterator[str]:
    """Start the sandbox on 127.0.0.1 and a free port; yields its URL; stops it on exit.

    server="gunicorn": one process (the sandbox keeps its state in memory) with threads and HTTP
    keep-alive, like a real gateway; werkzeug's development server closes every connection.
    server="werkzeug": `run_sandbox`, as `flask gov sandbox` runs it.
    """
    port = free_port()
    if server == "gunicorn":
        command = [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}",
                   "--workers", "1", "--worker-class", "gthread", "--threads", "16", "--keep-alive", "30",
                   "--log-level", "warning", f"portal.gov.sandbox:create_sandbox_app({config!r})"]
    else:
        code = ("import json, sys; from portal.gov.sandbox import run_sandbox; "
                f"run_sandbox(host='127.0.0.1', port={port}, config=json.loads(sys.argv[1]))")
        command = [sys.executable, "-c", code, json.dumps(config)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{url}/_admin/faults", timeout=5)
                break
            except requests.RequestException:  # not up yet, or slow to answer on a loaded machine
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the sandbox did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
