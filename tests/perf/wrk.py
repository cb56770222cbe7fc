"""wrk, the bench's HTTP load generator: the Lua scripts it runs and the one runner that reads its figures.

Each script ends with the same `done` function, which prints the figures as one `BENCHJSON {...}` line."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile

_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"p50\":%d,\"p95\":%d,\"p99\":%d," ..
    "\"errors\":%d,\"non2xx\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""

# One page: the URL given to wrk, with the cookie or bearer token from the environment.
ONE_PAGE = r"""
local cookie = os.getenv("BENCH_COOKIE")
local auth = os.getenv("BENCH_AUTH")
request = function()
  local headers = {}
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  if auth and auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", nil, headers)
end
""" + _DONE

# A mix of pages: each thread reads (path, cookie, authorization; tab-separated) lines from BENCH_MIX and
# cycles through them from its own starting point.
PAGE_MIX = r"""
local reqs = {}
local i = 0
init = function(args)
  local f = io.open(os.getenv("BENCH_MIX"), "r")
  for line in f:lines() do
    local path, cookie, auth = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
    local headers = {}
    if cookie ~= "" then headers["Cookie"] = cookie end
    if auth ~= "" then headers["Authorization"] = auth end
    reqs[#reqs + 1] = wrk.format("GET", path, headers)
  end
  f:close()
  i = math.random(#reqs)
end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
""" + _DONE


def run(wrk: str, url: str, script: str, env: dict[str, str], duration: float, connections: int) -> dict:
    """Run `script` against `url` for `duration` s; requests, req/s, p50/p95/p99 (ms) and errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run(
            [wrk, "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{duration:g}s",
             "--timeout", "10s", "-s", handle.name, url],
            env=dict(os.environ, **env), capture_output=True, text=True, timeout=duration + 60, check=False)
    finally:
        os.unlink(handle.name)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError("wrk failed: " + done.stdout[-500:] + done.stderr[-500:])
    data = json.loads(line.removeprefix("BENCHJSON "))
    seconds = data["duration_us"] / 1e6
    return {"requests": data["requests"], "rps": data["requests"] / seconds if seconds else 0.0,
            "p50": data["p50"] / 1000, "p95": data["p95"] / 1000, "p99": data["p99"] / 1000,
            "errors": data["errors"] + data["non2xx"]}
