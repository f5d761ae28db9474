"""The schemathesis CLI, every check, against a live ``ozsim serve`` — bounded (every operation,
a few cases each, no coverage phase: ``make schemathesis`` runs it all), in the default mode and
with ``--strict``. A failure prints the end of schemathesis's report, with a ``curl`` per
finding, and the server's tracebacks."""
from __future__ import annotations

import pytest

from .live import run


@pytest.mark.xdist_group("schemathesis-cli")
@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_schemathesis_finds_nothing_but_rule_422s(strict, tmp_path):
    report, server = tmp_path / "schemathesis.txt", tmp_path / "server.log"
    with report.open("w") as out:
        status = run(strict, bounded=True, out=out, server_log=server)
    assert status == 0, (report.read_text(errors="replace")[-30000:]
                         + server.read_text(errors="replace")[-10000:])
