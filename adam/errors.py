"""Error types shared by every part of the toolkit.

Bad input is reported as a list of :class:`Problem` objects, one per problem, each naming
where it was found (file, dataset, variable, record) and what was expected. The command line
turns an :class:`InputError` into exit code 2 and a :class:`FindingsError` into exit code 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem found in an input: where it is and what is wrong."""

    message: str
    file: str | None = None
    dataset: str | None = None
    variable: str | None = None
    record: str | None = None
    line: int | None = None
    severity: str = "error"

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        elif self.line:
            parts.append(f"line {self.line}")
        if self.dataset:
            parts.append(self.dataset)
        if self.variable:
            parts.append(self.variable)
        if self.record:
            parts.append(f"record {self.record}")
        return " / ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


@dataclass
class InputError(Exception):
    """Bad input or usage: one or more problems; the command exits with code 2."""

    problems: list[Problem] = field(default_factory=list)

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class FindingsError(Exception):
    """The job ran but found something (validation errors, differences); exit code 1."""


def raise_if_problems(problems: list[Problem]) -> None:
    """Raise one :class:`InputError` carrying every error-level problem, if there are any."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(errors)
