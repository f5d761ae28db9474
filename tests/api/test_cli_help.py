"""``ozsim --help`` and every command's help read as user help: what the command does, its
commands or options, examples that actually parse, exit statuses — no reStructuredText
markup, no developer notes, no path of the machine it runs on."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ozsim import cli

HELPS = {
    "": ("serve", "seed", "scenario", "contract", "Brazilian ISPs"),
    "serve": ("--network SIZE", "--state FILE", "/api/v2/openapi.yaml", "/__ozsim", "OZSIM_PORT",
              "large", "--admin-token TOKEN", "X-Ozsim-Admin", "OZSIM_MAX_TENANTS"),
    "seed": ("--size SIZE", "--out FILE", "ozsim serve --state FILE", "top"),
    "scenario": ("run", "list", "scenarios/FORMAT.md", "the target cannot be reached"),
    "scenario run": ("--target URL", "--junit FILE", "the library shipped with ozsim"),
    "scenario list": ("portable",),
    "contract": ("check", "diff", "drift"),
    "contract check": ("--target URL", "--readonly", "conforms", "differs", "missing",
                       "ozmap-simulator[contract]"),
    "contract diff": ("HAR", "real-vs-contract", "sim-vs-contract", "--network SIZE"),
}


def help_of(command: str, capsys) -> str:
    with pytest.raises(SystemExit) as done:
        cli.main([*command.split(), "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def examples(text: str) -> list[list[str]]:
    """The command lines of the help's "examples:" section, without environment assignments."""
    lines = text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    out = []
    for line in lines:
        words = shlex.split(line, comments=True)
        while re.match(r"[A-Z_]+=", words[0]):         # OZSIM_NETWORK=small ozsim serve
            words.pop(0)
        assert words[0] == "ozsim", line
        out.append(words[1:])
    return out


@pytest.mark.parametrize("command", HELPS)
def test_help_reads_as_help(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")             # argparse wraps option help to the terminal
    text = help_of(command, capsys)
    assert text.startswith(f"usage: ozsim {command}".rstrip() + " [-h]")
    for words in HELPS[command]:
        assert words in text, f"'ozsim {command} --help' does not mention {words!r}"
    assert "exit status:" in text
    for markup in ("`", ":func:", ":class:", "register("):
        assert markup not in text, f"'ozsim {command} --help' shows {markup!r}"
    checkout = str(Path(cli.__file__).resolve().parent.parent)
    assert checkout not in text, "the help shows a path of this machine"
    runs = examples(text)
    assert runs, "no examples"
    for argv in runs:
        if command:
            assert argv[:len(command.split())] == command.split(), argv
        cli.parser().parse_args(argv)               # every example is a valid command line
