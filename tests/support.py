"""Helpers shared by the tests and the benchmarks: a free port, and servers run as child
processes — ``ozsim serve`` above all — started in a process group of their own, polled until
they answer, and stopped by their process group id.

It lives in ``tests/`` because it is test plumbing that never ships (the installed ``ozsim``
package holds what users run); the benchmarks run from a checkout, like the tests, and
import it as ``tests.support`` with the project root on ``sys.path``. It imports nothing of
the simulator, so importing it never builds anything.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the ``ozsim`` command installed next to the running interpreter (.venv/bin)
OZSIM = str(Path(sys.executable).with_name("ozsim"))


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ozsim(*args: str) -> list[str]:
    """The command line ``ozsim ARGS...`` (``ozsim("serve", "--network", "demo")``)."""
    return [OZSIM, *args]


class ServerError(RuntimeError):
    """The server exited, or did not answer in time (the message ends with its output)."""


class Server:
    """A server process in its own process group, ready once ``ready_path`` answers below
    500; stopped (SIGTERM to its group, SIGKILL after ``grace`` s) when the ``with`` ends.
    ``env`` is added to this process's environment (or is the whole of it, ``inherit_env=False``).

        with Server(ozsim("serve", "--port", str(port)), port) as server:
            requests.get(server.base + "/api/v2/boxes", ...)
    """

    def __init__(self, cmd: list[str], port: int, ready_path: str = "/", *,
                 env: dict | None = None, inherit_env: bool = True,
                 cwd: str | os.PathLike | None = None, headers: dict | None = None,
                 timeout: float = 900.0, grace: float = 15.0, name: str | None = None):
        self.cmd, self.port, self.ready_path = cmd, port, ready_path
        self.name = name or os.path.basename(cmd[0])
        self.env = {**(os.environ if inherit_env else {}), **(env or {})}
        self.cwd, self.headers = cwd or ROOT, headers or {}
        self.timeout, self.grace = timeout, grace
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()
        self.started_in: float | None = None       # seconds from start to the first answer

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Server":
        started = time.perf_counter()
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        try:
            while not self._answers():
                if self.proc.poll() is not None:
                    raise ServerError(f"{self.name} exited with {self.proc.returncode}:\n"
                                      f"{self.output()[-4000:]}")
                if time.monotonic() > deadline:
                    raise ServerError(f"{self.name} did not answer within {self.timeout:.0f} s:"
                                      f"\n{self.output()[-4000:]}")
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.perf_counter() - started
        return self

    def _answers(self) -> bool:
        request = urllib.request.Request(self.base + self.ready_path, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status < 500
        except urllib.error.HTTPError as exc:
            return exc.code < 500
        except (urllib.error.URLError, OSError):
            return False

    def output(self) -> str:
        """Everything the server wrote so far (stdout and stderr)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        """Send ``sig`` to the server's process group and wait for the server (SIGKILL after
        ``grace`` s); its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)       # the group this object started, by its id
                self.proc.wait(timeout=self.grace)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait()
        return self.proc.returncode

    def __exit__(self, *exc) -> None:
        self.stop()
        self.log.close()
