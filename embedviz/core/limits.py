"""The one limited reader: what comes out of a decompressor, refused past a size.

A small ``.gz`` or ``.zip`` can expand to far more than any disk or memory holds. Every
decompressed stream embedviz reads (corpora, vectors files, archive members) goes through
:class:`LimitedReader`, which counts the bytes and raises the caller's error, with one message,
once they pass ``EMBEDVIZ_MAX_UNCOMPRESSED_MB``.
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
