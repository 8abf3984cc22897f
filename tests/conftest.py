"""Shared fixtures: the simulated CAMMS223 study, made once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def camms223_sdtm(tmp_path_factory) -> Path:
    """The default simulated CAMMS223 SDTM (seed 2026, the paper's cohort) as XPT files."""
    from adam.simulate import simulate_study

    out = tmp_path_factory.mktemp("camms223") / "sdtm"
    simulate_study(study="camms223", seed=2026, subjects=None, out=out, fmt="xpt")
    return out
