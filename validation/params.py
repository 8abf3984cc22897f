"""The study's analysis parameters as the QC programs need them, read from the spec's
``study.yaml`` with plain YAML (not through ``adam.spec``), so the QC depends only on the
agreed text of the spec, not on the production loader."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from adam.errors import InputError, Problem


@dataclass(frozen=True)
class AesiQuery:
    """One customized query: number, name, and the AE variables with their accepted values."""

    number: int
    name: str
    match: dict[str, list[str]]


@dataclass(frozen=True)
class StudyParams:
    """The analysis parameters used by the QC programs."""

    year_days: float
    iar_window: int
    aesi: list[AesiQuery]
    raw: dict


def load_params(spec_dir: Path) -> StudyParams:
    """Read ``<spec_dir>/study.yaml``; InputError when missing or without ``analysis``."""
    path = Path(spec_dir) / "study.yaml"
    if not path.is_file():
        raise InputError(Problem("study spec not found", file=str(path)))
    data = yaml.safe_load(path.read_text()) or {}
    analysis = data.get("analysis")
    if not isinstance(analysis, dict):
        raise InputError(Problem("no 'analysis' parameters in the study spec", file=str(path)))
    aesi = [AesiQuery(int(q["number"]), str(q["name"]), {k: [str(v) for v in vals] for k, vals in q["match"].items()})
            for q in analysis.get("aesi", [])]
    return StudyParams(
        year_days=float(analysis.get("year_length_days", 365.25)),
        iar_window=int(analysis.get("iar_window_days", 2)),
        aesi=aesi,
        raw=analysis,
    )


def datasets_in_spec(spec_dir: Path) -> list[str]:
    """The datasets the spec defines: study.yaml's list, then every other YAML file of the folder
    holding a dataset (a mapping with ``name`` and ``variables``), in file-name order."""
    data = yaml.safe_load((Path(spec_dir) / "study.yaml").read_text()) or {}
    names = [str(d).upper() for d in data.get("datasets", [])]
    for path in sorted(Path(spec_dir).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if isinstance(doc, dict) and "name" in doc and "variables" in doc and str(doc["name"]).upper() not in names:
            names.append(str(doc["name"]).upper())
    return names
