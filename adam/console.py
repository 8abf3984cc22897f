"""The shared rich console and verbosity switch used by every command."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

console = Console(stderr=True, highlight=False)
log = logging.getLogger("adam")

_state = {"quiet": False, "verbose": False}


def reset() -> None:
    """Forget the verbosity of an earlier run (one process may run several commands)."""
    _state["quiet"] = False
    _state["verbose"] = False


def configure(quiet: bool = False, verbose: bool = False) -> None:
    """Set verbosity once for the whole run (``--quiet`` wins over ``--verbose``)."""
    _state["quiet"] = _state["quiet"] or quiet
    _state["verbose"] = (_state["verbose"] or verbose) and not _state["quiet"]
    level = logging.ERROR if _state["quiet"] else logging.DEBUG if _state["verbose"] else logging.INFO
    log.handlers.clear()
    log.addHandler(RichHandler(console=console, show_time=False, show_path=False, markup=False))
    log.setLevel(level)
    log.propagate = False


def is_quiet() -> bool:
    return _state["quiet"]


def is_verbose() -> bool:
    return _state["verbose"]


def say(message: str) -> None:
    """Print a normal-level message unless ``--quiet``."""
    if not _state["quiet"]:
        console.print(message)


@contextmanager
def progress() -> Iterator[Progress]:
    """A progress display for long steps; silent under ``--quiet`` or when not a terminal."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=_state["quiet"] or not console.is_terminal,
        transient=True,
    )
    with bar:
        yield bar
