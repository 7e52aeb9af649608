"""Opening a vectors file a user hands in, safely: decompressed through the one limited reader,
refused if it holds a pickle (by name and by first bytes), its lines bounded and checked to be
UTF-8; and telling its format from its name and first bytes (:func:`detect_format`). The parsers
are in :mod:`embedviz.vectors.formats`.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from pathlib import Path

from embedviz.core.errors import VectorsFormatError
from embedviz.core.limits import LimitedReader, bounded_lines, compressed_position

PROJECTOR_VECTORS = "vectors.tsv"
PROJECTOR_METADATA = "metadata.tsv"
_READ_BYTES = 1 << 20
# Longest line accepted: generous room for the numbers of max_dim dimensions, plus the word.
_BYTES_PER_NUMBER = 64
_LINE_SLACK = 1 << 16

# Control bytes that never occur in text but always, sooner or later, in raw float32.
_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32))
_TEXT_LOOKING = frozenset(b"0123456789+-.eE \t\r\n")
_PICKLED_SUFFIXES = (".model", ".pkl", ".pickle", ".npy", ".npz", ".kv", ".pt", ".pth", ".joblib",
                     ".ckpt")
# First bytes of files that hold pickles (or are archives of them), whatever their name says:
# pickle protocols 2-5 start with PROTO (0x80) and the protocol number, protocols 0 and 1 mostly with
# GLOBAL or INST ('c' or 'i', then "module\nname\n": no vectors file starts with such lines);
# PyTorch's .pt and NumPy's .npz are zip archives of pickles; .npy files may hold pickled objects.
# Sniffing is a courtesy that gives the right message: the guarantee is that nothing here unpickles.
_AS_TEXT = "save the vectors as text instead (gensim: model.wv.save_word2vec_format)"
_PICKLED = ("is a pickled Python object (a gensim, joblib or PyTorch model?); embedviz never unpickles "
            "a file, since that can run any code in it: " + _AS_TEXT)
# Only vectors files: a Projector metadata.tsv of one word per line may start "cat\ndog\n".
_OLD_PICKLE = re.compile(rb"\(?[ci][A-Za-z_][\w.]*\n[A-Za-z_][\w.]*\n")
_SERIALISED = (
    (re.compile(rb"\x80[\x02-\x05]"), _PICKLED),
    (re.compile(rb"PK(\x03\x04|\x05\x06)"),
     "is a zip archive (PyTorch .pt and NumPy .npz files are zips of pickles), which embedviz never "
     "opens: unzip a vectors file, or " + _AS_TEXT),
    (re.compile(rb"\x93NUMPY"),
     "is a NumPy array file, which may hold pickled objects, so embedviz never loads one: " + _AS_TEXT),
)
_SERIALISED_HEAD = 256


# -- detection -----------------------------------------------------------------------------------
def detect_format(path) -> str:
    """The format of the vectors file at ``path``, one of :data:`FORMATS`.

    By extension first (``.gz`` looked through): ``.bin`` is word2vec-binary, ``.vec`` fasttext,
    ``.tsv`` (or a folder holding ``vectors.tsv``) projector. Any other text file is word2vec when
    its first line is exactly two whole numbers, else glove; such a file whose header is followed by
    binary data is word2vec-binary. Raises :class:`VectorsFormatError` for a binary file where text
    is expected, and for pickled models, which embedviz never loads.
    """
    path = Path(path)
    if path.is_dir():
        if (path / PROJECTOR_VECTORS).is_file():
            return "projector"
        raise VectorsFormatError(f"the folder {path.name} holds no {PROJECTOR_VECTORS}")
    name = path.name.lower()
    suffix = Path(name[:-3] if name.endswith(".gz") else name).suffix
    if suffix in _PICKLED_SUFFIXES:
        raise VectorsFormatError(
            f"{path.name}: embedviz does not load {suffix} files (they may hold pickled code); "
            "export the vectors with gensim's KeyedVectors.save_word2vec_format instead")
    if suffix == ".bin":
        return "word2vec-binary"
    if suffix == ".tsv":
        return "projector"
    with _reading(path) as stream:
        head = stream.read(_READ_BYTES)
    first, newline, body = head.partition(b"\n")
    header = _is_header(first) and bool(newline)
    if header and _looks_binary(body):
        if suffix == ".vec":
            raise VectorsFormatError(
                f"{path.name} holds binary vectors (or NUL and other control bytes), but .vec files are text; "
                "a word2vec binary file should end in .bin")
        return "word2vec-binary"
    if _looks_binary(head):
        raise VectorsFormatError(
            f"{path.name} is a binary file, not text vectors; word2vec binary files end in .bin")
    if suffix == ".vec":
        return "fasttext"
    return "word2vec" if header else "glove"


def _is_header(line: bytes | str) -> bool:
    """Whether ``line`` is exactly two whole numbers (ASCII digits), as a word2vec header."""
    parts = line.split()
    # a sign counts: "2 -3" is a header announcing -3 dimensions (refused as such), not a word "2"
    return len(parts) == 2 and all(p.isascii() and p.lstrip("-+" if isinstance(p, str) else b"-+").isdigit()
                                   for p in parts)


def _looks_binary(data: bytes) -> bool:
    return len(data.translate(None, _CONTROL_BYTES)) != len(data)


class _reading:
    """``with _reading(path) as stream``: a binary stream, decompressed if gzip; I/O and gzip
    errors (missing file, corrupt or truncated archive) become one-line VectorsFormatErrors, and a
    file that starts like a pickle (or an archive of them) is refused. ``words``: a file of words
    (Projector metadata), which may start like an old pickle."""

    def __init__(self, path: Path, words: bool = False):
        self.path, self.words = path, words

    def __enter__(self):
        try:
            self.stream = _open_for_reading(self.path)
        except OSError as exc:
            raise VectorsFormatError(f"cannot open {self.path.name}: {_reason(exc)}") from None
        try:
            _refuse_serialised(self.path.name, self.stream.peek(_SERIALISED_HEAD)[:_SERIALISED_HEAD],
                               self.words)
        except BaseException as exc:
            self.__exit__(type(exc), exc, None)
            raise
        return self.stream

    def __exit__(self, kind, exc, traceback):
        self.stream.close()
        if isinstance(exc, (OSError, EOFError, zlib.error)):
            raise VectorsFormatError(f"cannot read {self.path.name}: {_reason(exc)}") from None
        return False


def _open_for_reading(path: Path) -> io.BufferedReader:
    with open(path, "rb") as f:
        compressed = f.read(2) == b"\x1f\x8b"
    if not compressed:
        return io.BufferedReader(LimitedReader(open(path, "rb"), path.name, VectorsFormatError),
                                 buffer_size=_READ_BYTES)
    stream = gzip.open(path, "rb")
    return io.BufferedReader(LimitedReader(stream, path.name, VectorsFormatError,
                                           compressed=compressed_position(stream)), buffer_size=_READ_BYTES)


def _refuse_serialised(name: str, head: bytes, words: bool = False) -> None:
    """Refuse a file whose first bytes show a pickle, or an archive or array that may hold one."""
    for pattern, message in _SERIALISED:
        if pattern.match(head):
            raise VectorsFormatError(f"{name} {message}")
    if not words and _OLD_PICKLE.match(head):
        raise VectorsFormatError(f"{name} {_PICKLED}")


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _line_limit(max_dim: int) -> int:
    return _BYTES_PER_NUMBER * max_dim + _LINE_SLACK


def _text_lines(stream, name: str, limit: int):
    """Yield ``(line number, bytes, text)`` for the lines of a binary stream, checked to be UTF-8.

    Raises for a line longer than ``limit`` bytes (so a file without newlines cannot fill the
    memory), for NUL bytes (binary data) and for bytes that are not UTF-8.
    """
    def refuse(number):
        return VectorsFormatError(f"{name} line {number} is longer than {limit:,} bytes")

    for number, raw in bounded_lines(stream, limit, refuse):
        if b"\0" in raw:
            raise VectorsFormatError(
                f"{name} line {number} holds binary data, not text; "
                "for a word2vec binary file choose the format 'word2vec-binary'")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise VectorsFormatError(
                f"{name} line {number} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                f"column {exc.start + 1}); re-save the file with the UTF-8 encoding") from None
        if number == 1 and text.startswith("\ufeff"):  # byte order mark written by some editors
            raw, text = raw[3:], text[1:]
        yield number, raw, text
