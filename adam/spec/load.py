"""Read a spec folder of YAML files into a :class:`~adam.spec.model.Spec`, and write one back.

Layout of ``specs/<study>/``::

    study.yaml       study metadata, standards, analysis parameters, dataset order
    <dataset>.yaml   one per dataset: metadata, variables in order, value-level metadata
    codelists.yaml   list of codelists
    methods.yaml     list of methods
    comments.yaml    list of comments

Every problem found while reading (YAML syntax, missing or mistyped fields) is collected with
its file and line and raised together as one :class:`~adam.errors.InputError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from adam.errors import InputError, Problem
from adam.spec.model import Codelist, Comment, Dataset, Method, Spec, Study

LINE_KEY = "__line__"
SHARED_FILES = {"study.yaml", "codelists.yaml", "methods.yaml", "comments.yaml"}


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that records the line of every mapping under ``__line__``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


# Dates stay strings in the raw tree so pydantic parses them (and names the field if bad).
_LineLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(f"not UTF-8 text ({error.reason})", file=str(path)))
        return None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark else None
        problems.append(Problem(f"invalid YAML: {error.problem}", file=str(path), line=line))
    except yaml.YAMLError as error:
        problems.append(Problem(f"invalid YAML: {error}", file=str(path)))
    return None


def _line_of(raw: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest mapping on the path ``loc`` through the raw YAML tree."""
    line = raw.get(LINE_KEY) if isinstance(raw, dict) else None
    node = raw
    for key in loc:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            break
        if isinstance(node, dict) and LINE_KEY in node:
            line = node[LINE_KEY]
    return line


def _strip_lines(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {k: _strip_lines(v) for k, v in raw.items() if k != LINE_KEY}
    if isinstance(raw, list):
        return [_strip_lines(v) for v in raw]
    return raw


def _describe(loc: tuple[Any, ...], raw: Any) -> tuple[str | None, str | None]:
    """Dataset-file locations as (variable name, readable path) for a pydantic error."""
    variable = None
    if len(loc) >= 2 and loc[0] in ("variables", "value_level") and isinstance(loc[1], int):
        items = raw.get(loc[0]) if isinstance(raw, dict) else None
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            variable = items[loc[1]].get("name") or items[loc[1]].get("variable")
    path = ".".join(str(part) for part in loc)
    return (str(variable) if variable is not None else None), path


def _validate(
    model: type[BaseModel], raw: Any, path: Path, problems: list[Problem], dataset: str | None = None
) -> BaseModel | None:
    try:
        return model.model_validate(_strip_lines(raw))
    except ValidationError as error:
        for err in error.errors():
            loc = tuple(err["loc"])
            variable, where = _describe(loc, raw)
            problems.append(
                Problem(
                    f"{where}: {err['msg']}" if where else err["msg"],
                    file=str(path),
                    line=_line_of(raw, loc),
                    dataset=dataset,
                    variable=variable,
                )
            )
    return None


def _read_list(
    path: Path, model: type[BaseModel], key: str, problems: list[Problem], locations: dict
) -> list[Any]:
    """Read a shared list file (codelists, methods, comments); absent file means empty."""
    if not path.exists():
        return []
    raw = _read_yaml(path, problems)
    if raw is None:
        return []
    items = raw.get(key) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        problems.append(Problem(f"expected a list under '{key}'", file=str(path), line=1))
        return []
    out = []
    for raw_item in items:
        item = _validate(model, raw_item, path, problems)
        if item is not None:
            out.append(item)
            line = raw_item.get(LINE_KEY) if isinstance(raw_item, dict) else None
            locations[f"{key[:-1]}:{item.id}"] = (str(path), line)  # type: ignore[attr-defined]
    return out


def _record_dataset_locations(ds: Dataset, raw: dict, path: Path, locations: dict) -> None:
    locations[ds.name] = (str(path), raw.get(LINE_KEY))
    for var, raw_var in zip(ds.variables, raw.get("variables", [])):
        locations[f"{ds.name}.{var.name}"] = (str(path), raw_var.get(LINE_KEY))
    for i, (vl, raw_vl) in enumerate(zip(ds.value_level, raw.get("value_level", []))):
        locations[f"{ds.name}.{vl.variable}#{i}"] = (str(path), raw_vl.get(LINE_KEY))


def load_spec(folder: Path | str) -> Spec:
    """Read and type-check the spec in ``folder``; raise InputError listing every problem.

    This checks the shape of the spec (fields, types, permitted values). Cross-references
    (codelists, methods, keys, where clauses) are checked by :func:`adam.spec.lint.lint_spec`.
    """
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        raise InputError(Problem("spec folder not found", file=str(folder)))
    study_path = folder / "study.yaml"
    if not study_path.exists():
        raise InputError(Problem("study.yaml is missing from the spec folder", file=str(study_path)))

    locations: dict[str, tuple[str, int | None]] = {}
    raw_study = _read_yaml(study_path, problems)
    order: list[str] = []
    study = None
    if isinstance(raw_study, dict):
        order = [str(n).upper() for n in raw_study.pop("datasets", []) or []]
        study = _validate(Study, raw_study, study_path, problems)
    elif raw_study is not None:
        problems.append(Problem("expected a mapping of study fields", file=str(study_path), line=1))

    datasets: list[Dataset] = []
    dataset_files = sorted(p for p in folder.glob("*.yaml") if p.name not in SHARED_FILES)
    for path in dataset_files:
        raw = _read_yaml(path, problems)
        if raw is None:
            continue
        if not isinstance(raw, dict):
            problems.append(Problem("expected a mapping of dataset fields", file=str(path), line=1))
            continue
        name = str(raw.get("name", path.stem)).upper()
        ds = _validate(Dataset, raw, path, problems, dataset=name)
        if ds is not None:
            datasets.append(ds)  # type: ignore[arg-type]
            _record_dataset_locations(ds, raw, path, locations)  # type: ignore[arg-type]

    codelists = _read_list(folder / "codelists.yaml", Codelist, "codelists", problems, locations)
    methods = _read_list(folder / "methods.yaml", Method, "methods", problems, locations)
    comments = _read_list(folder / "comments.yaml", Comment, "comments", problems, locations)

    for name in order:
        if name not in {d.name for d in datasets}:
            problems.append(
                Problem(f"dataset {name} is listed but has no {name.lower()}.yaml",
                        file=str(study_path), dataset=name)
            )
    if problems:
        raise InputError(problems)

    rank = {name: i for i, name in enumerate(order)}
    datasets.sort(key=lambda d: (rank.get(d.name, len(rank)), d.name != "ADSL", d.name))
    spec = Spec(study=study, datasets=datasets, codelists=codelists, methods=methods,
                comments=comments)
    spec.set_locations(locations)
    return spec


def _clean(data: Any) -> Any:
    """Drop empty optional fields so the written YAML stays readable."""
    if isinstance(data, dict):
        return {k: _clean(v) for k, v in data.items() if v is not None and v != {} and v != []
                or k in ("items", "variables", "keys", "values")}
    if isinstance(data, list):
        return [_clean(v) for v in data]
    return data


def _dump(data: Any, path: Path) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=100)
    path.write_text(text, encoding="utf-8")


def write_spec(spec: Spec, folder: Path | str) -> list[Path]:
    """Write ``spec`` as a YAML spec folder (one file per dataset); returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    study = _clean(spec.study.model_dump(mode="json"))
    study["datasets"] = spec.dataset_names
    _dump(study, folder / "study.yaml")
    written.append(folder / "study.yaml")
    for ds in spec.datasets:
        path = folder / f"{ds.name.lower()}.yaml"
        _dump(_clean(ds.model_dump(mode="json", by_alias=True)), path)
        written.append(path)
    for key, items in (("codelists", spec.codelists), ("methods", spec.methods),
                       ("comments", spec.comments)):
        path = folder / f"{key}.yaml"
        _dump({key: [_clean(i.model_dump(mode="json")) for i in items]}, path)
        written.append(path)
    return written
