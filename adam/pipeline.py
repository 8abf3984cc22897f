"""`adam build` and `adam export`: SDTM -> ADaM -> validated submission folder.

The build runs in stages, each timed so the benchmark can report them:

1. read and lint the spec; import the study module; check method coverage;
2. read the SDTM and check it against the study's requirements;
3. derive each dataset of the spec in order (predecessors copied, columns conformed);
4. validate (schemas from the spec, conformance and cross-dataset rules);
5. export into a staged folder: XPT, Dataset-JSON (json + ndjson), define.xml + HTML,
   validation report, manifest; the folder replaces the previous output only when all passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pandas as pd

from adam import __version__
from adam.console import log, progress
from adam.engine import (BuildContext, check_method_coverage, conform_to_spec, copy_predecessors,
                         load_study_module)
from adam.errors import FindingsError, InputError, Problem, raise_if_problems
from adam.export.from_spec import dataset_meta
from adam.spec.load import load_spec
from adam.spec.model import Spec


@dataclass
class BuildResult:
    """What a build produced: the frames, the warnings and the time of each stage (seconds)."""

    spec: Spec
    datasets: dict[str, pd.DataFrame]
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    report: object | None = None
    out_dir: Path | None = None
    sdtm: dict[str, pd.DataFrame] | None = None


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def resolve_study(study: str | None, spec_dir: Path | None, sdtm_dir: Path | None,
                  out_dir: Path | None) -> tuple[Path, Path | None, Path]:
    """Fill in the conventional folders for ``--study NAME``; explicit folders win.

    The SDTM folder stays None when not given: :func:`build` then takes the spec's
    ``default_sdtm`` or ``sdtm_in/<study>``.
    """
    if spec_dir is None and study is None:
        raise InputError("give --study NAME or --spec FOLDER")
    name = study or Path(spec_dir).name  # type: ignore[arg-type]
    spec_dir = spec_dir or Path("specs") / name
    out_dir = out_dir or Path("adam_out") / name
    return Path(spec_dir), (Path(sdtm_dir) if sdtm_dir else None), Path(out_dir)


def default_sdtm_dir(spec: Spec, spec_dir: Path) -> Path:
    """``default_sdtm`` of study.yaml (relative to the project root), else sdtm_in/<study>."""
    if spec.study.default_sdtm:
        return Path(spec_dir).resolve().parent.parent / spec.study.default_sdtm
    return Path("sdtm_in") / Path(spec_dir).name


def load_checked_spec(spec_dir: Path) -> Spec:
    """Load the spec and stop on any lint error (warnings are logged)."""
    from adam.spec.lint import lint_spec

    spec = load_spec(spec_dir)
    problems = lint_spec(spec)
    for p in problems:
        if p.severity != "error":
            log.debug("spec: %s", p)
    raise_if_problems(problems)
    return spec


def derive_all(spec: Spec, sdtm: dict[str, pd.DataFrame], *, timings: dict[str, float] | None = None,
               only: list[str] | None = None, files: dict[str, Path] | None = None) -> BuildResult:
    """Derive every dataset of the spec (or those in ``only``) from SDTM frames."""
    from adam.sdtm.checks import check_sdtm

    timings = {} if timings is None else timings
    module = load_study_module(spec)
    raise_if_problems(check_method_coverage(spec, module))
    required = module.SDTM_REQUIREMENTS
    with _timed(timings, "check SDTM"):
        input_problems = check_sdtm(sdtm, required_domains=list(required),
                                    required_variables=required, files=files)
    raise_if_problems(input_problems)
    ctx = BuildContext(spec=spec, sdtm=sdtm,
                       warnings=[p for p in input_problems if p.severity != "error"])
    names = [n for n in spec.dataset_names if only is None or n in only]
    with progress() as bar:
        task = bar.add_task("deriving", total=len(names))
        for name in names:
            if name not in module.BUILDERS:
                raise InputError(Problem(f"study module {spec.study.module} has no builder",
                                         dataset=name))
            bar.update(task, description=f"deriving {name}")
            with _timed(timings, f"derive {name}"):
                dataset = spec.dataset(name)
                frame = module.BUILDERS[name](ctx)
                frame = copy_predecessors(frame, dataset, {**ctx.sdtm, **ctx.adam})
                ctx.adam[name] = conform_to_spec(frame, dataset)
            log.info("derived %s: %d records", name, len(ctx.adam[name]))
            bar.advance(task)
    return BuildResult(spec=spec, datasets=ctx.adam, warnings=ctx.warnings, timings=timings,
                       sdtm=sdtm)


def build(spec_dir: Path, sdtm_dir: Path | None, out_dir: Path | None, *,
          only: list[str] | None = None) -> BuildResult:
    """Derive, validate and (when ``out_dir`` is given) export the submission folder."""
    from adam.sdtm.read import load_sdtm

    timings: dict[str, float] = {}
    spec = load_checked_spec(spec_dir)
    sdtm_dir = sdtm_dir or default_sdtm_dir(spec, spec_dir)
    with _timed(timings, "read SDTM"):
        study = load_sdtm(sdtm_dir)
    result = derive_all(spec, study.frames, timings=timings, only=only,
                        files={k: str(v) for k, v in study.files.items()})
    result.warnings[:0] = study.warnings
    validate_and_export(result, out_dir, inputs=sorted(Path(sdtm_dir).glob("*.*")),
                        spec_dir=spec_dir)
    return result


def export_derived(spec_dir: Path, adam_dir: Path, out_dir: Path) -> list[str]:
    """`adam export`: validate and package ADaM datasets derived elsewhere (xpt, Dataset-JSON).

    Every dataset of the spec must be in ``adam_dir`` with exactly the spec's variables; the
    values are conformed to the engine's types before the same checks and writers as a build.
    """
    from adam.validate import read_dataset_folder

    spec = load_checked_spec(spec_dir)
    frames, _, _ = read_dataset_folder(adam_dir)
    missing = [n for n in spec.dataset_names if n not in frames]
    if missing:
        raise InputError([Problem("dataset of the spec not found in the folder", file=str(adam_dir),
                                  dataset=name) for name in missing])
    datasets = {name: conform_to_spec(frames[name], spec.dataset(name))
                for name in spec.dataset_names}
    result = BuildResult(spec=spec, datasets=datasets)
    inputs = sorted(Path(adam_dir).glob("*.xpt"))
    validate_and_export(result, out_dir, inputs=inputs, spec_dir=spec_dir)
    return list(datasets)


def validate_and_export(result: BuildResult, out_dir: Path | None, *, inputs: list[Path],
                        spec_dir: Path) -> None:
    """Validate the frames; stop with findings (exit 1) before writing anything on error."""
    from adam.validate import validate_datasets

    spec = result.spec
    metas = {name: dataset_meta(spec.dataset(name)) for name in result.datasets}
    with _timed(result.timings, "validate"):
        report = validate_datasets(spec, result.datasets, metadata=metas, sdtm=result.sdtm)
    result.report = report
    if report.has_errors:
        report.print_summary()
        raise FindingsError("validation found errors; nothing was written")
    if out_dir is not None:
        export_submission(result, out_dir, inputs=inputs, spec_dir=spec_dir)
        result.out_dir = out_dir


def warning_groups(warnings: list[Problem]) -> dict[tuple[str | None, str | None], list[Problem]]:
    """Warnings grouped by (dataset, variable), in order of first appearance."""
    groups: dict[tuple[str | None, str | None], list[Problem]] = {}
    for warning in warnings:
        groups.setdefault((warning.dataset, warning.variable), []).append(warning)
    return groups


def build_report(result: BuildResult) -> str:
    """The run report: every warning of the build (file names without folders), as JSON."""
    rows = [{"file": Path(w.file).name if w.file else None, "dataset": w.dataset,
             "variable": w.variable, "record": w.record, "message": w.message}
            for w in result.warnings]
    records = {name: len(frame) for name, frame in result.datasets.items()}
    return json.dumps({"records": records, "warnings": rows}, indent=1) + "\n"


def created_timestamp(spec: Spec) -> dt.datetime:
    """The fixed creation time written into every file: the data cut-off (or 2000-01-01)."""
    day = spec.study.data_cutoff or dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day)


def spec_hash(spec_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(spec_dir).glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def export_submission(result: BuildResult, out_dir: Path, *, inputs: list[Path],
                      spec_dir: Path) -> None:
    """Write XPT, Dataset-JSON, define.xml (+ HTML), the report and the manifest atomically."""
    from adam.export.datasetjson import write_dataset_json_pair
    from adam.export.define import render_define_html, validate_define, write_define
    from adam.export.package import hash_file, staged_output, write_manifest
    from adam.export.xpt import write_xpt

    spec = result.spec
    created = created_timestamp(spec)
    timings = result.timings
    with staged_output(Path(out_dir)) as stage:
        json_dir = stage / "datasetjson"
        json_dir.mkdir()
        for name, frame in result.datasets.items():
            meta = dataset_meta(spec.dataset(name))
            with _timed(timings, "write XPT"):
                write_xpt(frame, stage / f"{name.lower()}.xpt", meta, created=created)
            with _timed(timings, "write Dataset-JSON"):
                write_dataset_json_pair(frame, json_dir / f"{name.lower()}.json",
                                        json_dir / f"{name.lower()}.ndjson", meta,
                                        study_oid=spec.study.study_id, created=created,
                                        metadata_ref="../define.xml")
        with _timed(timings, "define.xml"):
            define_path = write_define(spec, stage, created=created)
            raise_if_problems(validate_define(define_path))
            render_define_html(define_path, stage / "define.html")
        (stage / "build_report.json").write_text(build_report(result))
        if result.report is not None:
            (stage / "validation").mkdir()
            (stage / "validation" / "report.json").write_text(result.report.to_json())
            (stage / "validation" / "report.html").write_text(result.report.to_html())
        write_manifest(stage, tool_version=__version__, spec_hash=spec_hash(spec_dir),
                       input_hashes={p.name: hash_file(p) for p in inputs})
