"""Collect the dataset builders of a study package."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable


def collect_builders(package: str) -> dict[str, Callable]:
    """``{DATASET: build}`` of every submodule of ``package`` that defines both names."""
    pkg = importlib.import_module(package)
    builders: dict[str, Callable] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{info.name}")
        name, build = getattr(module, "DATASET", None), getattr(module, "build", None)
        if isinstance(name, str) and callable(build):
            if name in builders:
                raise RuntimeError(f"{package}: two modules build {name}")
            builders[name] = build
    return builders
