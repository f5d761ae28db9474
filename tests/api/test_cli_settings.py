"""``ozsim serve`` refuses unusable settings with one line naming the option — no traceback,
before anything is built."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

OZSIM = Path(sys.executable).with_name("ozsim")


@pytest.mark.parametrize("env, args, says", [
    ({"OZSIM_NETWORK": "bogus"}, [], "unknown network 'bogus' (--network / OZSIM_NETWORK)"),
    ({}, ["--network", "huge"], "unknown network 'huge'"),
    ({"OZSIM_SEED": "abc"}, [], "the seed (--seed / OZSIM_SEED) must be an integer, got 'abc'"),
    ({"OZSIM_PORT": "abc"}, [], "the port (--port / OZSIM_PORT) must be 0..65535, got 'abc'"),
    ({"OZSIM_PORT": "99999"}, [], "must be 0..65535, got '99999'"),
    ({"OZSIM_MAX_TENANTS": "0"}, [],
     "the tenant cap (--max-tenants / OZSIM_MAX_TENANTS) must be an integer >= 1, got '0'"),
    ({}, ["--max-network", "huge"], "unknown network 'huge' (--max-network / OZSIM_MAX_NETWORK)"),
])
def test_bad_settings_are_one_clear_line(env, args, says):
    done = subprocess.run([str(OZSIM), "serve", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
