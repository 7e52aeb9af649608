"""The one limited reader: what comes out of a decompressor, refused past a size.

A small ``.gz`` or ``.zip`` can expand to far more than any disk or memory holds. Every
decompressed stream embedviz reads (corpora, vectors files, archive members) goes through
:class:`LimitedReader`, which counts the bytes and raises the caller's error, with one message,
once they pass ``EMBEDVIZ_MAX_UNCOMPRESSED_MB``. Lines are read through :func:`bounded_lines`,
which refuses a line past its limit rather than holding it.
"""

from __future__ import annotations

import io

from embedviz.core.errors import EmbedvizError
from embedviz.core.settings import setting


class LimitedReader(io.RawIOBase):
    """A raw stream over ``raw`` that raises ``error`` (an EmbedvizError class) once more than
    ``EMBEDVIZ_MAX_UNCOMPRESSED_MB`` came out of it; ``what`` names the content in the message."""

    def __init__(self, raw, name: str, error: type[EmbedvizError] = EmbedvizError, what: str = ""):
        self.raw, self.name, self.error, self.what = raw, name, error, what
        self.seen = 0
        self.limit_mb = setting("EMBEDVIZ_MAX_UNCOMPRESSED_MB")

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        self.seen += len(data)
        if self.seen > self.limit_mb * 1024 * 1024:
            what = f" of {self.what}" if self.what else ""
            raise self.error(f"{self.name} expands to more than {self.limit_mb} MB{what} "
                             "(EMBEDVIZ_MAX_UNCOMPRESSED_MB)")
        buffer[: len(data)] = data
        return len(data)

    def close(self):
        self.raw.close()
        super().close()


def bounded_lines(stream, limit: int, refuse):
    """Yield ``(line number, line)`` from a text or binary stream, never holding more than a line
    of ``limit`` characters (bytes) plus its line end: a longer line raises ``refuse(number)``
    instead of being cut, so a file without newlines cannot fill the memory and a row is never
    read in pieces."""
    number = 0
    while True:
        line = stream.readline(limit + 2)  # room for the longest allowed line and a "\r\n"
        if not line:
            return
        number += 1
        if len(line.rstrip("\r\n" if isinstance(line, str) else b"\r\n")) > limit:
            raise refuse(number)
        yield number, line
