"""Errors a user can cause, each with its own exit code.

The command line turns these into one line on stderr and a non-zero exit; anything
else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations


class EmbedkitError(Exception):
    """A problem with the user's input or environment, not a bug in embedkit."""

    exit_code = 1


class InputError(EmbedkitError):
    """A file that is missing, unreadable, a directory, or not what was expected."""

    exit_code = 3


class DataError(EmbedkitError):
    """Input that was read but cannot be used: empty corpus, bad line, no word kept."""

    exit_code = 4


class ParameterError(EmbedkitError):
    """An option value that is out of range or inconsistent with the data."""

    exit_code = 2


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
