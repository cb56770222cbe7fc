"""Pages stay fast while the platform hangs (bounded version of tests/perf/hang_check.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_pages_answer_quickly_while_the_platform_hangs_and_the_circuit_is_open():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests/perf/hang_check.py"), "--latency-ms", "3000", "--threshold", "3",
         "--interactive-timeout", "0.5", "--repeat", "8"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "breaker                : open" in result.stdout
