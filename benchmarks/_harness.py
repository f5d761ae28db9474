"""Shared plumbing of the HTTP benchmarks: wrk runs with Lua scripts that report JSON, and
servers measured while they run (CPU time and RSS from /proc). Servers are started, polled
until ready and stopped by the test suite's helpers (``tests.support``)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import tomllib
import urllib.parse
import urllib.request

from tests.support import ROOT, Server, free_port, ozsim  # noqa: F401 - free_port: for scripts

HERE = os.path.dirname(os.path.abspath(__file__))
PRISM = os.path.join(HERE, "node_modules", ".bin", "prism")


def demo_key() -> str:
    from ozsim.ftth.domain import DEMO_API_KEY
    return DEMO_API_KEY


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is missing. Install it (Debian/Ubuntu): "
                         "apt-get update && apt-get install -y wrk")
    return wrk


class Measured(Server):
    """A server (``tests.support.Server``) whose CPU time and memory can be read while it runs."""

    def pids(self) -> list[int]:
        """The server process and the others of its process group (workers, if any)."""
        pids = [self.proc.pid]
        try:
            children = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True,
                                      text=True).stdout.split()
            pids = sorted({self.proc.pid, *map(int, children)})
        except OSError:
            pass
        return pids

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the server's process group, from /proc: per
        request, a figure that the machine's other load disturbs much less than requests/s."""
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])      # utime, stime
            except (OSError, IndexError, ValueError):
                continue
        return total / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float | None:
        """Resident memory of the server process (and its children), from /proc."""
        if self.proc is None:
            return None
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024


def installed(commit: str, into: str) -> str:
    """The ``ozsim`` package of another commit, laid out in ``into`` as an installation
    would lay it out (``pyproject.toml``'s ``package-dir``), for ``PYTHONPATH``: what
    ``http_bench.py --before`` serves. Returns ``into``."""
    source = os.path.join(into, "source")
    os.makedirs(source)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", source], input=archive, check=True)
    with open(os.path.join(source, "pyproject.toml"), "rb") as spec:
        folders = tomllib.load(spec)["tool"]["setuptools"]["package-dir"]
    for package, folder in sorted(folders.items(), key=lambda item: item[0].count(".")):
        shutil.copytree(os.path.join(source, folder), os.path.join(into, *package.split(".")))
    return into


def seeded(size: str, directory: str) -> str:
    """A snapshot of the network ``size`` written by ``ozsim seed`` into ``directory``."""
    path = os.path.join(directory, f"{size}.snapshot")
    subprocess.run(ozsim("seed", "--size", size, "--out", path), check=True,
                   stdout=subprocess.DEVNULL)
    return path


def ozsim_serve(port: int, network: str | None = None, state: str | None = None,
                threads: int | None = None) -> list[str]:
    """``ozsim serve`` on ``port``: a snapshot (``state``) or a network, ``threads`` request
    threads (the default of ``ozsim serve`` when None)."""
    args = ["serve", "--port", str(port)]
    if threads is not None:
        args += ["--threads", str(threads)]
    if state:
        args += ["--state", state]
    elif network:
        args += ["--network", network]
    return ozsim(*args)


def get_json(url: str, key: str, params: dict | None = None):
    if params:
        url += "?" + urllib.parse.urlencode(params)
    request = urllib.request.Request(url, headers={"Authorization": key})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


DONE_LUA = r'''
threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
done = function(summary, latency, requests)
  local created, full, other = 0, 0, 0
  for _, t in ipairs(threads) do
    created = created + (t:get("created") or 0)
    full = full + (t:get("full") or 0)
    other = other + (t:get("other") or 0)
  end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"mean_us":%.1f,"p50_us":%d,' ..
    '"p90_us":%d,"p99_us":%d,"max_us":%d,"created":%d,"full":%d,"other":%d}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, created, full, other))
end
'''

RADIUS_LUA = r'''
local key = "%(key)s"
local areas = { %(areas)s }
init = function(args)
  math.randomseed(%(seed)d + 7919 * tid)
end
request = function()
  local a = areas[math.random(#areas)]
  local lat = a[2] + math.random() * (a[4] - a[2])
  local lng = a[1] + math.random() * (a[3] - a[1])
  local path = string.format("/api/v2/ftth-viability/radius?lat=%%.6f&lng=%%.6f&radius=150", lat, lng)
  return wrk.format("GET", path, {["Authorization"] = key})
end
'''

RESERVE_LUA = r'''
local key = "%(key)s"
local boxes = { %(boxes)s }
local n = 0
created, full, other = 0, 0, 0
init = function(args)
  math.randomseed(%(seed)d + 104729 * tid)
end
request = function()
  n = n + 1
  local box = boxes[math.random(#boxes)]
  local body = string.format(
    '{"box":"%%s","auto_connect":true,"address":"Benchmark %(run)s",' ..
    '"client":{"code":"BENCH-%(run)s-%%d-%%d","name":"Cliente Benchmark"}}',
    box, tid, n)
  return wrk.format("POST", "/api/v2/properties",
                    {["Authorization"] = key, ["Content-Type"] = "application/json"}, body)
end
response = function(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 422 then full = full + 1
  else other = other + 1 end
end
'''


def write_lua(template: str, **values) -> str:
    handle, path = tempfile.mkstemp(suffix=".lua", prefix="ozsim-bench-")
    with os.fdopen(handle, "w") as out:
        out.write(DONE_LUA + template % values)
    return path


def run_wrk(url: str, script: str, threads: int = 2, connections: int = 8,
            duration: int = 15, timeout: str = "10s") -> dict:
    wrk = require_wrk()
    proc = subprocess.run([wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                           "--timeout", timeout, "-s", script, url],
                          capture_output=True, text=True)
    line = next((row for row in proc.stdout.splitlines() if row.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    result = json.loads(line[len("WRKJSON "):])
    seconds = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / seconds
    result["seconds"] = seconds
    for q in ("mean", "p50", "p90", "p99", "max"):
        result[f"{q}_ms"] = result[f"{q}_us"] / 1000
    return result


def lua_areas(boxes) -> str:
    return ", ".join("{%.7f, %.7f, %.7f, %.7f}" % b for b in boxes)


def project_areas(base: str, key: str) -> list[tuple]:
    """(west, south, east, north) of every project's service area, through the API."""
    page = get_json(base + "/api/v2/projects", key, {"limit": 1000})
    rows = page.get("rows", page) if isinstance(page, dict) else page
    out = []
    for project in rows:
        ring = ((project.get("area") or {}).get("coordinates") or [[]])[0]
        if ring:
            lngs, lats = [p[0] for p in ring], [p[1] for p in ring]
            out.append((min(lngs), min(lats), max(lngs), max(lats)))
    if not out:
        raise SystemExit("the network has no project areas to draw points from")
    return out

