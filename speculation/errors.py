"""The one exception type for problems a user can cause, and the shape of its message.

Every message names where the problem is (file, line, column) and what was expected, so the CLI can print
it as one line and exit with code 2 (see :mod:`speculation.cli`).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected instead."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class SpeculationError(Exception):
    """A problem with the user's input or request; ``str()`` is one readable line."""

    def __init__(self, message: str | Problem, problems: list[Problem] | None = None):
        self.problems = problems or ([message] if isinstance(message, Problem) else [])
        super().__init__(str(message))

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> "SpeculationError":
        """Raise-ready error for the first problem, keeping all of them for ``validate``."""
        first = str(problems[0])
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''}; run `speculation validate` to list all)" if more else ""
        return cls(first + suffix, problems)
