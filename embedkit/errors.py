"""Errors a user can cause, each with its own exit code.

The command line turns these into one line on stderr and a non-zero exit; anything
else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable

#: Marks a parameter's name inside a message (see :func:`param`); never in user data.
_MARK = "\x1f"


def param(name: str) -> str:
    """A parameter's name as written into an error message.

    ``str(error)`` shows the name itself (``min_count``); the command line shows its flag
    (``--min-count``) through :meth:`EmbedkitError.render`, so the library never spells a
    flag and the command line never rewrites a sentence.
    """
    return f"{_MARK}{name}{_MARK}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun for a message: ``counted(1, "edge")`` is "1 edge", ``counted(2_000, "edge")``
    "2,000 edges" (thousands separated, one way everywhere)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _plain(name: str) -> str:
    return name


def _render_marks(text: str, name: Callable[[str], str]) -> str:
    parts = text.split(_MARK)
    return "".join(name(p) if i % 2 else p for i, p in enumerate(parts))


class EmbedkitError(Exception):
    """A problem with the user's input or environment, not a bug in embedkit."""

    exit_code = 1

    def render(self, name: Callable[[str], str] = _plain) -> str:
        """The message, each parameter named by ``name(parameter)`` (by default the
        parameter itself; the command line passes its flag for the parameter)."""
        return _render_marks(str(self.args[0]) if self.args else "", name)

    def __str__(self) -> str:
        return self.render()


class InputError(EmbedkitError):
    """A file that is missing, unreadable, a directory, or not what was expected."""

    exit_code = 3


class DataError(EmbedkitError):
    """Input that was read but cannot be used: empty corpus, bad line, no word kept."""

    exit_code = 4


_NO_VALUE = object()


class ParameterError(EmbedkitError, ValueError):
    """A parameter value that is out of range or inconsistent with the data.

    ``ParameterError("dim", 0, "must be at least 1")`` names the parameter and the value:
    its message is "dim must be at least 1, got 0" (``value_first``: "dim 0 …"), and the
    command line says ``--dim`` instead (:meth:`render`).  ``param`` and ``value`` are kept
    for callers.  A single argument is a message that concerns no single value; it may
    name parameters with :func:`param`.
    """

    exit_code = 2

    def __init__(self, name: str, value: object = _NO_VALUE, requirement: str = "", value_first: bool = False):
        if value is _NO_VALUE:
            super().__init__(name)
            self.param, self.value = None, None
        else:
            super().__init__(name, value, requirement, value_first)
            self.param, self.value = name, value

    def render(self, name: Callable[[str], str] = _plain) -> str:
        if self.param is None:
            return super().render(name)
        _, value, requirement, value_first = self.args
        shown = repr(value) if isinstance(value, str) else str(value)
        requirement = _render_marks(requirement, name)
        if value_first:
            return f"{name(self.param)} {shown}{'' if requirement.startswith(':') else ' '}{requirement}"
        return f"{name(self.param)} {requirement}, got {shown}"


def check_at_least(name: str, value, minimum=1) -> None:
    """ParameterError unless ``value >= minimum`` ("must be at least 1" / "non-negative")."""
    if not value >= minimum:
        raise ParameterError(name, value, "must be non-negative" if minimum == 0 else f"must be at least {minimum}")


def check_count(name: str, value, minimum: int = 1) -> None:
    """ParameterError unless ``value`` is a whole number (``int`` or a NumPy integer) and
    ``value >= minimum``: a count such as ``dim``, ``topn`` or ``k``, which a float (``2.5``)
    would otherwise reach NumPy as and fail deep inside."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(name, value, "must be a whole number")
    check_at_least(name, value, minimum)


def check_positive(name: str, value) -> None:
    """ParameterError unless ``value > 0``."""
    if not value > 0:
        raise ParameterError(name, value, "must be positive")


def check_choice(name: str, value, choices: Iterable[str]) -> None:
    """ParameterError unless ``value`` is one of ``choices`` (listed in the message)."""
    choices = tuple(choices)
    if value not in choices:
        raise ParameterError(name, value, f"must be one of {', '.join(choices)}")


class UnknownWordError(EmbedkitError, KeyError):
    """A query word that is not in the model's vocabulary.

    Also a ``KeyError``, as gensim's ``KeyedVectors`` raises for an unknown key, so code
    written for gensim catches it; ``word`` is the word asked for."""

    exit_code = 5

    def __init__(self, message: str, word: str | None = None) -> None:
        super().__init__(message)
        self.word = word

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class OutputError(EmbedkitError):
    """The output could not be written (unwritable directory, full disk)."""

    exit_code = 6


class ClusterError(EmbedkitError):
    """A Dask cluster that cannot be used: the extra is missing, the scheduler cannot be
    reached, or it has no workers that run embedkit."""

    exit_code = 8


class EmbedkitWarning(UserWarning):
    """Something the user should know about input that was read anyway (duplicate words
    skipped, rows with NaN left out on request); the command line prints it as one line.
    Parameters in it are named with :func:`param`, as in errors."""

    def render(self, name: Callable[[str], str] = _plain) -> str:
        """The message, each parameter named by ``name(parameter)`` (see :class:`EmbedkitError`)."""
        return _render_marks(str(self.args[0]) if self.args else "", name)

    def __str__(self) -> str:
        return self.render()
