"""Read a spec folder of YAML files into a :class:`~adam.spec.model.Spec`, and write one back.

Layout of ``specs/<study>/``::

    study.yaml       study metadata, standards, analysis parameters, dataset order
    <dataset>.yaml   one per dataset: metadata, variables in order, value-level metadata
    codelists.yaml   list of codelists
    methods.yaml     list of methods
    comments.yaml    list of comments
    analysis_results.yaml   optional: analysis results metadata (displays and their results)

The three shared lists may be split over several files (``methods.yaml``, ``methods_adtte.yaml``
...): every ``codelists*.yaml``, ``methods*.yaml`` and ``comments*.yaml`` is read, in name order;
so is every ``analysis_results*.yaml`` (a list under ``analysis_results``).

Every problem found while reading (YAML syntax, missing or mistyped fields) is collected with
its file and line and raised together as one :class:`~adam.errors.InputError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from adam.errors import InputError, Problem
from adam.spec.model import AnalysisDisplay, Codelist, Comment, Dataset, Method, Spec, Study

LINE_KEY = "__line__"
KEY_LINES = "__key_lines__"
SHARED_LISTS = ("codelists", "methods", "comments")
ANALYSIS_RESULTS = "analysis_results"
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


def _is_shared(path: Path) -> bool:
    return path.name == "study.yaml" or path.stem.startswith(SHARED_LISTS + (ANALYSIS_RESULTS,))


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that records where every mapping and key was written.

    Each mapping gets ``__line__`` (its first line) and ``__key_lines__`` (key -> line), so a
    problem can point at the field itself; keys written twice in one mapping are collected in
    ``duplicates`` instead of silently keeping the last value.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        # Keys merged in with "<<" may legitimately be overridden: check only the mapping's own.
        own_keys = [k for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"]
        mapping = super().construct_mapping(node, deep=deep)
        key_lines: dict[Any, int] = {}
        for key_node in own_keys:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, (str, int, float, bool)) and key in key_lines:
                self.duplicates.append((str(key), line))
            if isinstance(key, (str, int, float, bool)):
                key_lines.setdefault(key, line)
        mapping[LINE_KEY] = node.start_mark.line + 1
        mapping[KEY_LINES] = key_lines
        return mapping


# Dates stay strings in the raw tree so pydantic parses them (and names the field if bad), and
# only true/false are booleans (YAML 1.2): "No", "Y", "ON" are codelist terms, not booleans.
_LineLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers
          if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))


class _IntText(int):
    """An int read from YAML that remembers how it was written."""

    text: str


class _FloatText(float):
    """A float read from YAML that remembers how it was written ("8." stays "8.")."""

    text: str


_NUMBERS = (_IntText, _FloatText)


def _construct_number(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    plain = (yaml.SafeLoader.construct_yaml_int if node.tag.endswith(":int")
             else yaml.SafeLoader.construct_yaml_float)(loader, node)
    out = (_IntText if isinstance(plain, int) else _FloatText)(plain)
    out.text = node.value
    return out


_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_number)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _construct_number)


def parse_yaml(text: str) -> tuple[Any, list[tuple[str, int]]]:
    """Parse YAML text with line bookkeeping; returns the tree and the duplicated keys.

    Raises :class:`yaml.YAMLError` on a syntax error.
    """
    loader = _LineLoader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    finally:
        loader.dispose()


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(f"not UTF-8 text ({error.reason})", file=str(path)))
        return None
    try:
        data, duplicates = parse_yaml(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        what = error.problem or error.context or "syntax error"
        problems.append(Problem(f"invalid YAML: {what}", file=str(path), line=line))
        return None
    except yaml.YAMLError as error:
        problems.append(Problem(f"invalid YAML: {error}", file=str(path)))
        return None
    for key, line in duplicates:
        problems.append(Problem(f"key '{key}' is written twice in the same mapping",
                                file=str(path), line=line))
    return data


def _line_of(raw: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the field at ``loc`` in the raw YAML tree, else of the enclosing mapping."""
    line = raw.get(LINE_KEY) if isinstance(raw, dict) else None
    node = raw
    for key in loc:
        if isinstance(node, dict) and key in node:
            line = node.get(KEY_LINES, {}).get(key, line)
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            break
        if isinstance(node, dict) and LINE_KEY in node:
            line = node[LINE_KEY]
    return line


def _strip_lines(raw: Any) -> Any:
    if isinstance(raw, _NUMBERS):
        return type(raw).__mro__[1](raw)  # the plain int or float
    if isinstance(raw, dict):
        return {k: _strip_lines(v) for k, v in raw.items() if k not in (LINE_KEY, KEY_LINES)}
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


def _node_at(tree: Any, loc: tuple[Any, ...]) -> Any:
    for key in loc:
        try:
            tree = tree[key]
        except (KeyError, IndexError, TypeError):
            return None
    return tree


def _set_at(tree: Any, loc: tuple[Any, ...], value: Any) -> None:
    for key in loc[:-1]:
        tree = tree[key]
    tree[loc[-1]] = value


def _validate(
    model: type[BaseModel], raw: Any, path: Path, problems: list[Problem], dataset: str | None = None
) -> BaseModel | None:
    data = _strip_lines(raw)
    for _ in range(3):
        try:
            return model.model_validate(data)
        except ValidationError as error:
            errors = error.errors()
        # A number where text is expected (format: 8.2, values: [1], version: 1.3) is taken
        # as the text written in the file; anything else is a problem.
        fixes = [(tuple(e["loc"]), _node_at(raw, tuple(e["loc"]))) for e in errors
                 if e["type"] == "string_type"]
        fixes = [(loc, node.text) for loc, node in fixes if isinstance(node, _NUMBERS)]
        if not fixes:
            break
        for loc, text in fixes:
            _set_at(data, loc, text)
    for err in errors:
        loc = tuple(err["loc"])
        variable, where = _describe(loc, raw)
        problems.append(Problem(f"{where}: {err['msg']}" if where else err["msg"], file=str(path),
                                line=_line_of(raw, loc), dataset=dataset, variable=variable))
    return None


def _read_lists(
    folder: Path, model: type[BaseModel], key: str, problems: list[Problem], locations: dict
) -> list[Any]:
    """Read the shared list files of one kind (``<key>*.yaml``); none means an empty list."""
    out: list[Any] = []
    for path in sorted(folder.glob(f"{key}*.yaml")):
        out.extend(_read_list(path, model, key, problems, locations))
    return out


def _read_list(
    path: Path, model: type[BaseModel], key: str, problems: list[Problem], locations: dict
) -> list[Any]:
    """Read one shared list file (codelists, methods or comments)."""
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
            element = f"{key[:-1]}:{item.id}"  # type: ignore[attr-defined]
            _record(locations, element, path, raw_item)
            for i, raw_term in enumerate(raw_item.get("items") or []):  # codelist terms
                _record(locations, f"{element}#{i}", path, raw_term)
    return out


def _record(locations: dict, key: str, path: Path, raw: Any) -> None:
    """Record where the element ``key`` was written, and each of its fields as ``key/field``.

    A repeated key (a duplicate id or variable) is recorded as ``key@2``, ``key@3``...
    """
    n, unique = 1, key
    while unique in locations:
        n += 1
        unique = f"{key}@{n}"
    raw = raw if isinstance(raw, dict) else {}
    locations[unique] = (str(path), raw.get(LINE_KEY))
    for field, line in raw.get(KEY_LINES, {}).items():
        locations[f"{unique}/{field}"] = (str(path), line)


def _read_analysis_results(folder: Path, problems: list[Problem], locations: dict) -> list[AnalysisDisplay]:
    """Read every ``analysis_results*.yaml``: displays recorded as ``display:<id>``, their
    results as ``result:<id>`` and each result's analysis datasets as ``result:<id>#<i>``."""
    out: list[AnalysisDisplay] = []
    for path in sorted(folder.glob(f"{ANALYSIS_RESULTS}*.yaml")):
        raw = _read_yaml(path, problems)
        if raw is None:
            continue
        items = raw.get(ANALYSIS_RESULTS) if isinstance(raw, dict) else raw
        if not isinstance(items, list):
            problems.append(Problem(f"expected a list under '{ANALYSIS_RESULTS}'", file=str(path), line=1))
            continue
        for raw_display in items:
            display = _validate(AnalysisDisplay, raw_display, path, problems)
            if display is None:
                continue
            out.append(display)  # type: ignore[arg-type]
            _record(locations, f"display:{display.id}", path, raw_display)  # type: ignore[attr-defined]
            raw_results = raw_display.get("results") or []
            for result, raw_result in zip(display.results, raw_results):  # type: ignore[attr-defined]
                _record(locations, f"result:{result.id}", path, raw_result)
                for i, raw_ds in enumerate(raw_result.get("datasets") or []):
                    _record(locations, f"result:{result.id}#{i}", path, raw_ds)
    return out


def _record_dataset_locations(ds: Dataset, raw: dict, path: Path, locations: dict) -> None:
    _record(locations, ds.name, path, raw)
    for var, raw_var in zip(ds.variables, raw.get("variables", [])):
        _record(locations, f"{ds.name}.{var.name}", path, raw_var)
    for i, (vl, raw_vl) in enumerate(zip(ds.value_level, raw.get("value_level", []))):
        _record(locations, f"{ds.name}.{vl.variable}#{i}", path, raw_vl)


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
        listed = raw_study.pop("datasets", None) or []
        if isinstance(listed, str):
            listed = [listed]
        if isinstance(listed, list):
            order = [str(n).upper() for n in listed]
        else:
            problems.append(Problem("datasets: expected a list of dataset names",
                                    file=str(study_path),
                                    line=raw_study[KEY_LINES].get("datasets")))
        study = _validate(Study, raw_study, study_path, problems)
        if study is not None:
            _record(locations, "study", study_path, raw_study)
    elif raw_study is None:
        if not problems:  # an empty file (a syntax error is already reported)
            problems.append(Problem("study.yaml is empty", file=str(study_path), line=1))
    else:
        problems.append(Problem("expected a mapping of study fields", file=str(study_path), line=1))

    datasets: list[Dataset] = []
    dataset_files = sorted(p for p in folder.glob("*.yaml") if not _is_shared(p))
    for path in dataset_files:
        before = len(problems)
        raw = _read_yaml(path, problems)
        if raw is None:
            if len(problems) == before:
                problems.append(Problem("the dataset file is empty", file=str(path), line=1))
            continue
        if not isinstance(raw, dict):
            problems.append(Problem("expected a mapping of dataset fields", file=str(path), line=1))
            continue
        name = str(raw.get("name", path.stem)).upper()
        ds = _validate(Dataset, raw, path, problems, dataset=name)
        if ds is not None:
            datasets.append(ds)  # type: ignore[arg-type]
            _record_dataset_locations(ds, raw, path, locations)  # type: ignore[arg-type]

    codelists = _read_lists(folder, Codelist, "codelists", problems, locations)
    methods = _read_lists(folder, Method, "methods", problems, locations)
    comments = _read_lists(folder, Comment, "comments", problems, locations)
    analysis_results = _read_analysis_results(folder, problems, locations)

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
                comments=comments, analysis_results=analysis_results)
    spec.set_locations(locations)
    return spec


# Fields written even when empty: required lists, and lists whose default is not empty.
_KEEP_EMPTY = ("items", "variables", "keys", "values", "where", "standards", "results", "datasets")
# Free-form mappings: written as they are (a None or [] inside them is data, not an omission).
_VERBATIM = ("analysis", "extra")


def _clean(data: Any) -> Any:
    """Drop empty optional fields so the written YAML stays readable."""
    if isinstance(data, dict):
        return {k: (v if k in _VERBATIM else _clean(v)) for k, v in data.items()
                if v is not None and v != {} and v != [] or k in _KEEP_EMPTY}
    if isinstance(data, list):
        return [_clean(v) for v in data]
    return data


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings (programming code, documentation) as literal ``|`` blocks."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BlockDumper.add_representer(str, _represent_str)


def _dump(data: Any, path: Path, dumper: type[yaml.SafeDumper] = yaml.SafeDumper) -> None:
    text = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=False, width=100)
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
    if spec.analysis_results:  # optional: no file when the spec has none
        path = folder / f"{ANALYSIS_RESULTS}.yaml"
        _dump({ANALYSIS_RESULTS: [_clean(d.model_dump(mode="json")) for d in spec.analysis_results]},
              path, _BlockDumper)
        written.append(path)
    return written
