"""Assemble every simulated SDTM dataset and write them atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from adam.errors import InputError, Problem
from adam.simulate import domains, efficacy, safety
from adam.simulate.cohort import BASE_N, STUDYID, build_cohort

STUDIES = ("camms223",)
FORMATS = ("xpt", "json")
MAX_SUBJECTS = 2_000_000
MAX_SEED = 2**63 - 1


def check_arguments(study: str, seed: int, subjects: int | None, out: Path, fmt: str) -> None:
    """Raise one InputError listing every bad argument (nothing is written)."""
    problems = []
    if study not in STUDIES:
        problems.append(Problem(f"unknown study {study!r}; known: {', '.join(STUDIES)}", variable="--study"))
    if not isinstance(seed, int) or seed < 0 or seed > MAX_SEED:
        problems.append(Problem(f"seed must be an integer between 0 and {MAX_SEED}, got {seed!r}", variable="--seed"))
    if subjects is not None and (not isinstance(subjects, int) or subjects < 1 or subjects > MAX_SUBJECTS):
        problems.append(Problem(f"subjects must be between 1 and {MAX_SUBJECTS:,}, got {subjects!r}", variable="--subjects"))
    if fmt not in FORMATS:
        problems.append(Problem(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}", variable="--format"))
    out = Path(out)
    if out.exists() and not out.is_dir():
        problems.append(Problem("output path exists and is not a folder", file=str(out)))
    else:
        parent = _existing_parent(out)
        if parent is None or not os.access(parent, os.W_OK | os.X_OK):
            problems.append(Problem("output folder cannot be created (no writable parent folder)", file=str(out)))
        elif not parent.is_dir():
            problems.append(Problem(f"{parent} is not a folder", file=str(out)))
    if problems:
        raise InputError(problems)


def _existing_parent(path: Path) -> Path | None:
    p = path.absolute().parent
    while not p.exists():
        if p.parent == p:
            return None
        p = p.parent
    return p


def build_datasets(seed: int, subjects: int | None) -> dict[str, pd.DataFrame]:
    """All simulated SDTM datasets by name, for ``subjects`` randomized (default: the paper's cohort)."""
    n = BASE_N if subjects is None else subjects
    c = build_cohort(seed, n)
    planned = efficacy.planned_visits(seed, c)
    rel = efficacy.relapses(seed, c)
    unsched = efficacy.unscheduled_visits(seed, c, planned, rel)
    visits = pd.concat([planned.assign(SVUPDES=""), unsched], ignore_index=True)
    visits = visits.sort_values(["SID", "OFF", "VISITNUM"], kind="stable", ignore_index=True)
    edss = efficacy.edss(seed, c, visits, rel)
    mri = efficacy.mri(seed, c, visits)
    ae_model = safety.adverse_events(seed, c)
    cm_model = safety.medications(seed, c, rel, ae_model)
    mh_model = safety.medical_history(seed, c)
    ctx = domains.Ctx(c)
    ex, suppex = domains.ex(ctx, rel, seed)
    return {
        "DM": domains.dm(ctx),
        "DS": domains.ds(ctx),
        "EX": ex,
        "SUPPEX": suppex,
        "AE": domains.ae(ctx, ae_model, seed),
        "CM": domains.cm(ctx, cm_model, seed),
        "CE": domains.ce(ctx, rel, seed),
        "MH": domains.mh(ctx, mh_model, seed),
        "RS": domains.rs(ctx, edss),
        "NV": domains.nv(ctx, mri),
        "SV": domains.sv(ctx, visits),
        "SE": domains.se(ctx),
        "TA": domains.ta(),
        "TE": domains.te(),
        "TS": domains.ts(ctx),
    }


def write_datasets(datasets: dict[str, pd.DataFrame], out: Path, fmt: str) -> None:
    """Write every dataset into a temporary sibling folder, then move it into place
    (an existing output folder is replaced only after everything was written)."""
    from adam.simulate.metadata import dataset_meta

    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        if fmt == "json":
            from adam.export.datasetjson import write_dataset_json
        else:
            from adam.export.xpt import write_xpt
        for name, df in datasets.items():
            meta = dataset_meta(name, df)
            if fmt == "json":
                write_dataset_json(df, tmp / f"{name.lower()}.json", meta, study_oid=STUDYID)
            else:
                write_xpt(df, tmp / f"{name.lower()}.xpt", meta)
        mask = os.umask(0)
        os.umask(mask)
        tmp.chmod(0o777 & ~mask)
        for f in tmp.iterdir():
            f.chmod(0o666 & ~mask)
        old = None
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
