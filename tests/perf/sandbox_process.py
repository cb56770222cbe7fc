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
def sandbox_process(config: dict[str, Any]) -> Iterator[str]:
    """Start `run_sandbox` on 127.0.0.1 and a free port; yields its URL; stops it on exit."""
    port = free_port()
    code = ("import json, sys; from portal.gov.sandbox import run_sandbox; "
            f"run_sandbox(host='127.0.0.1', port={port}, config=json.loads(sys.argv[1]))")
    process = subprocess.Popen([sys.executable, "-c", code, json.dumps(config)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{url}/_admin/faults", timeout=1)
                break
            except requests.ConnectionError:
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
