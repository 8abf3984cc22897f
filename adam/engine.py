"""The study-agnostic engine that turns a spec and a study module into ADaM frames.

A study module (named by ``module`` in the spec's study.yaml, e.g. ``adam.datasets.camms223``)
provides:

- ``REGISTRY``: a :class:`adam.derive.registry.MethodRegistry` holding one implementation per
  spec method id, each declaring the variables it derives;
- ``SDTM_REQUIREMENTS``: ``{domain: [variables]}`` the build needs;
- ``BUILDERS``: ``{dataset name: builder}``, each builder taking a :class:`BuildContext` and
  returning the dataset as a DataFrame.

The engine copies predecessor variables from their source, puts the columns in spec order with
the spec's types, and refuses a build whose implementations and spec disagree.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, TypeVar

import numpy as np
import pandas as pd

from adam.derive.registry import check_coverage
from adam.export.text import canonical_text
from adam.errors import InputError, Problem
from adam.spec.model import Dataset, Spec

Builder = Callable[["BuildContext"], pd.DataFrame]
T = TypeVar("T")


@dataclass
class BuildContext:
    """What a dataset builder can see: the spec, the SDTM, the datasets built so far."""

    spec: Spec
    sdtm: dict[str, pd.DataFrame]
    adam: dict[str, pd.DataFrame] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    _cache: dict[str, tuple[tuple[object, ...], Any]] = field(default_factory=dict, repr=False)

    def cached(self, key: str, depends_on: tuple[object, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per build for ``key``; computed again only when an object it
        ``depends_on`` (e.g. a frame in ``sdtm`` or ``adam``) was replaced since."""
        known = self._cache.get(key)
        if known is not None and len(known[0]) == len(depends_on) and all(
                a is b for a, b in zip(known[0], depends_on)):
            return known[1]
        value = compute()
        self._cache[key] = (depends_on, value)
        return value

    @property
    def params(self) -> dict[str, Any]:
        """The analysis parameters of the spec (study.yaml ``analysis``)."""
        return self.spec.study.analysis

    def param(self, path: str, default: Any = None) -> Any:
        """A nested analysis parameter by dotted path, e.g. ``ctx.param("cdw.confirm_days")``."""
        node: Any = self.params
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is not None:
                    return default
                raise InputError(Problem(f"analysis parameter '{path}' is missing",
                                         file="study.yaml"))
            node = node[part]
        return node

    def domain(self, name: str) -> pd.DataFrame:
        if name not in self.sdtm:
            raise InputError(Problem(f"SDTM domain {name} is required but was not found",
                                     dataset=name))
        return self.sdtm[name]

    def warn(self, message: str, **where: Any) -> None:
        self.warnings.append(Problem(message, severity="warning", **where))


def load_study_module(spec: Spec) -> ModuleType:
    """Import the study module the spec names, checking it offers what the engine needs."""
    name = spec.study.module
    if not name:
        raise InputError(Problem("study.yaml names no study module ('module:')", file="study.yaml"))
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        raise InputError(Problem(f"study module {name} cannot be imported: {error}",
                                 file="study.yaml")) from None
    missing = [a for a in ("REGISTRY", "SDTM_REQUIREMENTS", "BUILDERS") if not hasattr(module, a)]
    if missing:
        raise InputError(Problem(f"study module {name} lacks {', '.join(missing)}"))
    return module


def check_method_coverage(spec: Spec, module: ModuleType) -> list[Problem]:
    """Every spec method has an implementation declaring exactly its variables, and vice versa."""
    derived = {mid: {name.split(".", 1)[1] for name in names}
               for mid, names in spec.derived_variables().items()}
    return check_coverage(module.REGISTRY, derived, locate=lambda mid: spec.location(f"method:{mid}"))


def copy_predecessors(df: pd.DataFrame, dataset: Dataset, sources: dict[str, pd.DataFrame]
                      ) -> pd.DataFrame:
    """Add the predecessor variables the builder did not set, from their ``DOMAIN.VAR`` source.

    Sources with one record per subject (DM, ADSL) are merged by USUBJID; other domains by
    USUBJID and their ``--SEQ``, which the builder must keep. Rows keep their order. The
    records of a source are matched once (one hash lookup of the keys) for all the variables
    taken from it.
    """
    out = df
    matches: dict[tuple[str, tuple[str, ...]], tuple[np.ndarray, bool]] = {}
    new_columns: dict[str, np.ndarray] = {}
    for var in dataset.variables:
        if var.origin != "Predecessor" or var.name in out.columns or not var.source:
            continue
        domain, _, column = var.source.partition(".")
        src = sources.get(domain)
        if src is None or column not in src.columns:
            raise InputError(Problem(f"predecessor source {var.source} not found",
                                     dataset=dataset.name, variable=var.name))
        seq = f"{domain}SEQ"
        by = ["USUBJID", seq] if seq in src.columns and seq in out.columns else ["USUBJID"]
        key = (domain, tuple(by))
        if key not in matches:
            matches[key] = _match_records(out, src, by)
        rows, keys_unique = matches[key]
        # several records per key are fine as long as they agree on the variable copied
        if not keys_unique and (src.drop_duplicates(by).shape[0]
                                != src.drop_duplicates(by + [column]).shape[0]):
            raise InputError(Problem(f"source {var.source} has several values per "
                                     f"{'/'.join(by)}", dataset=dataset.name, variable=var.name))
        new_columns[var.name] = src[column].array.take(rows, allow_fill=True).to_numpy()
    return out.assign(**new_columns) if new_columns else out


def _match_records(df: pd.DataFrame, src: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, bool]:
    """For each record of ``df``, the position of the first ``src`` record with the same ``by``
    values (-1 when none; missing key values match missing ones, as in a merge), and whether the
    keys of ``src`` are unique."""
    first = ~src.duplicated(by, keep="first").to_numpy()
    positions = np.flatnonzero(first)
    if len(by) == 1:
        index = pd.Index(src[by[0]].to_numpy()[positions])
        found = index.get_indexer(df[by[0]].to_numpy())
    else:
        index = pd.MultiIndex.from_arrays([src[b].to_numpy()[positions] for b in by])
        found = index.get_indexer(pd.MultiIndex.from_arrays([df[b].to_numpy() for b in by]))
    rows = np.where(found >= 0, positions[np.maximum(found, 0)], -1)
    return rows, bool(first.all())


def conform_to_spec(df: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Columns in spec order with engine types: text as ``str`` with NA, others ``float64``.

    Raises an InputError naming each spec variable the frame lacks and each extra column.
    """
    problems = []
    names = dataset.variable_names
    for name in names:
        if name not in df.columns:
            var = dataset.variable(name)
            how = f"method {var.method}" if var.method else f"source {var.source}"
            problems.append(Problem(f"variable not derived ({how})", dataset=dataset.name,
                                    variable=name))
    for name in df.columns:
        if name not in names:
            problems.append(Problem("derived, but not in the spec", dataset=dataset.name,
                                    variable=name))
    if problems:
        raise InputError(problems)
    columns = {}
    for var in dataset.variables:
        col = df[var.name]
        if var.is_numeric:
            columns[var.name] = col if col.dtype == np.float64 else \
                pd.to_numeric(col, errors="raise").astype("float64")
        else:
            columns[var.name] = _as_text(col)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(df)))


_TEXT = pd.StringDtype("python", na_value=np.nan)  # pandas' default ``str`` dtype


def _as_text(col: pd.Series) -> pd.Series:
    """A character column as ``str``, missing and blank ("") values as NA; the values keep their
    trailing blanks. Works on the distinct values: equal values share one string object."""
    if col.dtype == _TEXT:  # already text: only blanks to clear
        blank = (col == "").to_numpy(dtype=bool)
        return col.where(~blank) if blank.any() else col
    if col.dtype == object:
        codes, uniques = pd.factorize(col.to_numpy(), use_na_sentinel=True)
        distinct = np.asarray(uniques, dtype=object)
        if pd.api.types.infer_dtype(distinct, skipna=True) in ("string", "empty"):
            table = pd.array(np.where(distinct == "", None, distinct), dtype="str")
            return pd.Series(table.take(codes, allow_fill=True), index=col.index)
    text = canonical_text(col, strip=False)
    if text is None:
        text = col.astype("str")
        text = text.where(col.notna() & (text != ""), np.nan)
    return text
