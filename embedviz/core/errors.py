"""Errors a user can cause and can fix.

Every error raised for bad input is an :class:`EmbedvizError` whose ``str()`` is one readable line.
The CLI prints that line to stderr and exits non-zero; the app shows it on the page. Anything else
that escapes is a bug in embedviz, not in the user's input.
"""


class EmbedvizError(Exception):
    """Base class: the message is one line meant for the user."""

    def __str__(self) -> str:
        # Collapse newlines so a message is always exactly one line. Exception.__str__, not
        # super(): KeyError's would wrap the message in quotes.
        return " ".join(Exception.__str__(self).split())


class CorpusError(EmbedvizError):
    """A corpus cannot be read or is unusable (empty, wrong column, bad encoding...)."""


class VectorsFormatError(EmbedvizError):
    """A vectors file cannot be imported (wrong format, ragged rows, NaN...)."""


class StoreError(EmbedvizError):
    """A model name is invalid, missing or already taken, or the store cannot be written."""


class UnknownWordError(EmbedvizError, KeyError):
    """A query names a word that is not in the vocabulary."""

    def __init__(self, word: str, suggestions: list[str] | None = None, what: str = "the vocabulary"):
        self.word = word
        self.suggestions = list(suggestions or [])
        # A pasted megabyte is named by its start and length, so the message stays one short line.
        shown = repr(word) if len(word) <= 60 else f"{word[:40]!r}... ({len(word):,} characters)"
        message = f"unknown word {shown}: it is not in {what}"
        if self.suggestions:
            message += "; did you mean: " + ", ".join(self.suggestions) + "?"
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return EmbedvizError.__str__(self)


class ExpressionError(EmbedvizError):
    """An analogy expression cannot be parsed."""


class ParameterError(EmbedvizError, ValueError):
    """A parameter is out of range or of the wrong kind."""


class EngineError(EmbedvizError):
    """A training engine cannot run here: Spark or its Java runtime missing, a master unreachable."""
