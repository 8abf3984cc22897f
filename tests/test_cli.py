"""The `adam` command line: help with an example everywhere, exit codes 0 / 1 / 2."""

from __future__ import annotations

import pytest

from adam.cli import main

COMMANDS = [["simulate"], ["build"], ["export"], ["validate"], ["compare"], ["spec", "check"],
            ["spec", "export"], ["spec", "import"], ["report", "paper"], ["bench"]]


def test_root_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("simulate", "build", "validate", "export", "compare", "spec", "report", "bench"):
        assert name in out
    assert "Example:" in out


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command, capsys):
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example:" in out
    assert "--quiet" in out and "--verbose" in out


def test_unknown_option_is_a_usage_error():
    assert main(["simulate", "--no-such-option"]) == 2


def test_unknown_command_is_a_usage_error():
    assert main(["no-such-command"]) == 2


def test_version():
    assert main(["--version"]) == 0
