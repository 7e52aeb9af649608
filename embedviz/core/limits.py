"""The one limited reader: what comes out of a decompressor, refused past a size.

A small ``.gz`` or ``.zip`` can expand to far more than any disk or memory holds. Every
decompressed stream embedviz reads (corpora, vectors files, archive members) goes through
:class:`LimitedReader`, which counts the bytes and raises the caller's error, with one message,
once they pass ``EMBEDVIZ_MAX_UNCOMPRESSED_MB``. Lines are read through :func:`bounded_lines`,
which refuses a line past its limit rather than holding it.
"""

from __future__ import annotations

import io
import time

from embedviz.core.errors import EmbedvizError
from embedviz.core.settings import setting


#: Output below this is never judged by its expansion: a small file of spaces costs nothing.
RATIO_FROM_BYTES = 4 * 1024 * 1024


def compressed_position(stream):
    """A function giving how many compressed bytes ``stream`` (a ``gzip.GzipFile``) has consumed
    from its file, or None if that cannot be known."""
    fileobj = getattr(stream, "fileobj", None)
    if fileobj is None or not hasattr(fileobj, "tell"):
        return None
    return fileobj.tell


class LimitedReader(io.RawIOBase):
    """A raw stream over ``raw`` that raises ``error`` (an EmbedvizError class), with one message:

    - once more than ``EMBEDVIZ_MAX_UNCOMPRESSED_MB`` came out of it;
    - once what came out is more than ``EMBEDVIZ_MAX_EXPANSION`` times the compressed bytes read
      (``compressed``: a function giving that count), past the first :data:`RATIO_FROM_BYTES`.
      Text deflates 3 to 4 times (the bundled corpora: 3.7 and 2.9; licences, READMEs: 2.5 to
      3.2), so a stream expanding 50 times is a bomb, refused after a few megabytes of it;
    - once it has been read for more than ``EMBEDVIZ_MAX_READ_SECONDS`` (wall clock, whatever the
      reader downstream does with it), so no upload keeps a core busy for long.

    ``what`` names the content in the messages.
    """

    def __init__(self, raw, name: str, error: type[EmbedvizError] = EmbedvizError, what: str = "",
                 compressed=None):
        self.raw, self.name, self.error, self.what = raw, name, error, what
        self.compressed = compressed
        self.seen = 0
        self.limit_mb = setting("EMBEDVIZ_MAX_UNCOMPRESSED_MB")
        self.ratio = setting("EMBEDVIZ_MAX_EXPANSION")
        self.seconds = setting("EMBEDVIZ_MAX_READ_SECONDS")
        self.started = time.monotonic()

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        self.seen += len(data)
        what = f" of {self.what}" if self.what else ""
        if self.seen > self.limit_mb * 1024 * 1024:
            raise self.error(f"{self.name} expands to more than {self.limit_mb} MB{what} "
                             "(EMBEDVIZ_MAX_UNCOMPRESSED_MB)")
        if self.compressed is not None and self.seen > RATIO_FROM_BYTES:
            packed = max(int(self.compressed()), 1)
            if self.seen > self.ratio * packed:
                raise self.error(f"{self.name} expands more than {self.ratio} times: no text does (a "
                                 f"compression bomb?); refused after {self.seen / 2**20:.0f} MB of it "
                                 "(EMBEDVIZ_MAX_EXPANSION)")
        if time.monotonic() - self.started > self.seconds:
            raise self.error(f"reading {self.name} took more than {self.seconds} s; stopped "
                             "(EMBEDVIZ_MAX_READ_SECONDS)")
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
