"""Drift between the contracts, the simulator and a real OZmap — ``ozsim contract check|diff``.

* ``check`` — the contract's operations run against any server (this simulator, a real
  OZmap) with schemathesis: per operation, conforms, differs (the check, the status and the
  field), or missing.
* ``diff`` — recorded real traffic (HAR, or JSON lines of request and response) replayed
  against the simulator: per exchange, where the real answer, the contract and the
  simulator's answer disagree, so a user sees which one moved.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Verdict:
    """The outcome of one checked unit (an operation, a recorded exchange)."""
    name: str
    status: str                          # e.g. conforms | differs | missing | agree | ...
    problems: list[str] = field(default_factory=list)
    ok: bool = True

    def line(self, width: int = 10) -> str:
        head = f"{self.status:<{width}} {self.name}"
        return "\n".join([head] + [f"{'':<{width}}   {p}" for p in self.problems])


def write_junit(suite: str, verdicts: list[Verdict], path: str | Path) -> None:
    """One ``<testcase>`` per verdict; a failed one carries its problems."""
    failures = sum(not v.ok for v in verdicts)
    root = ET.Element("testsuites", name=suite)
    node = ET.SubElement(root, "testsuite", name=suite, tests=str(len(verdicts)),
                         failures=str(failures), errors="0", skipped="0")
    for verdict in verdicts:
        case = ET.SubElement(node, "testcase", classname=suite, name=verdict.name)
        if not verdict.ok:
            failure = ET.SubElement(case, "failure", message=verdict.status,
                                    type=verdict.status)
            failure.text = "\n".join(verdict.problems)
    ET.indent(root)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
