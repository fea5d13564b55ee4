"""One exception family for everything a user can get wrong.

The CLI is the only place that turns these into a message and an exit code;
everything below it raises. A user error never shows a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FAILED = 1  # the build, layout or preflight failed
EXIT_BAD_INPUT = 2  # content, layouts or arguments are wrong


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    message: str
    path: Path | None = None
    line: int | None = None
    field: str | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = _display_path(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


def _display_path(path: Path) -> str:
    """Paths relative to the working directory read better in messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class FolderBuilderError(Exception):
    """Base of every error meant for the user rather than for a developer."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = tuple(problems)

    def __reduce__(self):
        # Pickled when a part laid out in another process fails: keep the problems.
        return _rebuild, (type(self), self.message, self.problems)

    def report(self) -> str:
        lines = [self.message]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


def _rebuild(cls: type[FolderBuilderError], message: str,
             problems: tuple[Problem, ...]) -> FolderBuilderError:
    error = cls.__new__(cls)
    FolderBuilderError.__init__(error, message, problems)
    return error


class InputError(FolderBuilderError):
    """Content, layouts or command-line arguments are wrong (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class ContentError(InputError):
    """The content does not load or validate; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        problems = tuple(problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"the content has {len(problems)} {noun}:", problems)


class LayoutError(FolderBuilderError):
    """A template failed, or WeasyPrint reported an error while laying out."""


class FitError(FolderBuilderError):
    """A section outgrew the pages the plan gives it, or the page count is wrong.

    When something ran over, the build writes a proof beside the target (proof.py):
    ``proof_path`` is where, ``proof_pdf`` its bytes (for a web app to show)."""

    proof_path: Path | None = None
    proof_pdf: bytes | None = None

    def __reduce__(self):
        # A build run in another process (a batch worker, a web app's pool) sends the
        # proof back with the problems.
        return _rebuild_fit, (self.message, self.problems, self.proof_path, self.proof_pdf)


def _rebuild_fit(message: str, problems: tuple[Problem, ...], proof_path: Path | None,
                 proof_pdf: bytes | None) -> FitError:
    error = FitError(message, problems)
    error.proof_path, error.proof_pdf = proof_path, proof_pdf
    return error


class PreflightError(FolderBuilderError):
    """The PDF was made but fails its checks; it is not kept."""
