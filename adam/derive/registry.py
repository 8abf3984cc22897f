"""Registry of derivation implementations keyed by spec method ids, and a coverage check.

A dataset module registers the function implementing each spec method::

    registry = MethodRegistry()

    @registry.implements("MT.TRTEMFL", ("TRTEMFL",))
    def trtemfl(adae, **context):
        return derive_var_trtemfl(adae)

The build looks methods up by id, and :func:`check_coverage` compares the registry with the
spec: every method needs an implementation, every implementation a method, and each
implementation may only produce variables the spec lists for that method.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from adam.errors import InputError, Problem


@dataclass(frozen=True)
class Method:
    """One registered implementation: spec method id, the variables it produces, the function."""

    method_id: str
    variables: tuple[str, ...]
    function: Callable[..., Any]


class MethodRegistry:
    """Maps spec method ids to Python derivation functions."""

    def __init__(self, name: str = "methods"):
        self.name = name
        self._methods: dict[str, Method] = {}

    def implements(self, method_id: str, variables: Iterable[str]) -> Callable[[Callable], Callable]:
        """Decorator registering a function as the implementation of ``method_id``.

        ``variables`` are the columns the function adds, as ``VAR`` or ``DATASET.VAR`` (the
        dataset part only documents where it lands). Registering an id twice is an error.
        """
        if not isinstance(method_id, str) or not method_id.strip():
            raise InputError(Problem(f"registry {self.name}: method id must be a non-empty string, got {method_id!r}"))
        if isinstance(variables, str):
            variables = (variables,)
        variables = tuple(v.rsplit(".", 1)[-1] if isinstance(v, str) else v for v in variables)
        bad = [v for v in variables if not isinstance(v, str) or not v]
        if bad:
            raise InputError(Problem(f"registry {self.name}: method {method_id} lists invalid variables {bad!r}"))

        def register(function: Callable) -> Callable:
            if method_id in self._methods:
                other = self._methods[method_id].function
                raise InputError(Problem(
                    f"registry {self.name}: method {method_id} is already implemented by "
                    f"{other.__module__}.{other.__qualname__}"))
            self._methods[method_id] = Method(method_id, variables, function)
            return function

        return register

    def register(self, method_id: str, variables: Iterable[str], function: Callable) -> None:
        """Register without the decorator syntax."""
        self.implements(method_id, variables)(function)

    def get(self, method_id: str) -> Method:
        """The registered method; an InputError names the id and the known ones when missing."""
        try:
            return self._methods[method_id]
        except KeyError:
            known = ", ".join(sorted(self._methods)) or "none"
            raise InputError(Problem(f"registry {self.name}: no implementation for method {method_id} "
                                     f"(registered: {known})")) from None

    def __contains__(self, method_id: object) -> bool:
        return method_id in self._methods

    def __len__(self) -> int:
        return len(self._methods)

    def methods(self) -> list[Method]:
        """All registered methods, sorted by id."""
        return [self._methods[k] for k in sorted(self._methods)]

    def run(self, method_id: str, df: pd.DataFrame, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """Call the implementation and check that it added exactly its declared variables.

        Columns the function adds beyond its declaration, or declared ones it did not add, and
        dropped input columns are reported as one InputError.
        """
        method = self.get(method_id)
        result = method.function(df, *args, **kwargs)
        if not isinstance(result, pd.DataFrame):
            raise InputError(Problem(f"method {method_id}: implementation returned {type(result).__name__}, "
                                     "not a DataFrame"))
        before, after = set(df.columns), set(result.columns)
        problems = []
        for col in sorted(after - before - set(method.variables)):
            problems.append(Problem(f"method {method_id} produced {col}, which it does not declare",
                                    variable=col))
        for col in sorted(set(method.variables) - after):
            problems.append(Problem(f"method {method_id} declares {col} but did not produce it", variable=col))
        for col in sorted(before - after):
            problems.append(Problem(f"method {method_id} dropped input column {col}", variable=col))
        if problems:
            raise InputError(problems)
        return result


def check_coverage(registry: MethodRegistry, derived: Mapping[str, Iterable[str]],
                   unused: str = "error",
                   locate: Callable[[str], tuple[str | None, int | None]] | None = None) -> list[Problem]:
    """Compare a registry with the spec's methods.

    ``derived`` maps each spec method id to the variables the spec derives with it. Problems:
      - a spec method without an implementation;
      - an implementation whose id is not a spec method (severity ``unused``: "error" or
        "warning", e.g. when one registry serves several specs);
      - an implementation producing a variable the spec does not list for that method;
      - a variable the spec lists for a method whose implementation does not produce it.
    Returns the problems sorted by method id (empty when everything matches). ``locate`` gives
    the (file, line) where a spec method is written, for the problems about that method.
    """
    problems: list[Problem] = []

    def where(mid: str) -> dict:
        file, line = locate(mid) if locate is not None else (None, None)
        return {"file": file, "line": line}

    spec = {mid: set([vars_] if isinstance(vars_, str) else vars_) for mid, vars_ in derived.items()}
    for mid in sorted(spec):
        if mid not in registry:
            problems.append(Problem(f"method {mid} has no registered implementation",
                                    variable=", ".join(sorted(spec[mid])) or None, **where(mid)))
            continue
        produced = set(registry.get(mid).variables)
        for var in sorted(produced - spec[mid]):
            problems.append(Problem(f"method {mid} produces {var}, which the spec does not list for it",
                                    variable=var, **where(mid)))
        for var in sorted(spec[mid] - produced):
            problems.append(Problem(f"the spec derives {var} with method {mid}, whose implementation does not "
                                    "produce it", variable=var, **where(mid)))
    for method in registry.methods():
        if method.method_id not in spec:
            problems.append(Problem(f"implementation {method.method_id} is not a method in the spec",
                                    severity=unused))
    return problems
