"""Import and export of word vectors in the formats people already have.

=================== ====================================================================
``word2vec``        text: a header ``count dim``, then ``word v1 ... vd`` per line (gensim,
                    the original C tool)
``word2vec-binary`` a header line ``count dim``, then per word its UTF-8 bytes, a space and
                    ``dim`` little-endian float32 (optionally followed by a newline)
``glove``           text like ``word2vec`` but without the header
``fasttext``        fastText's ``.vec`` files: the same text format as ``word2vec``
``projector``       TensorFlow Embedding Projector: ``vectors.tsv`` (numbers only) next to
                    ``metadata.tsv`` (the words, optionally with a header and more columns)
=================== ====================================================================

Any of them may be gzip-compressed (recognised by its first bytes, whatever the name says); a
compressed file may expand to at most ``EMBEDVIZ_MAX_UNCOMPRESSED_MB``.
A file a user hands in is only ever parsed as text or raw float32, never unpickled: gensim
``.model``, PyTorch ``.pt``, joblib and ``.npy`` files are refused rather than loaded, by their
name and also by their first bytes (a pickle renamed ``vectors.txt`` is refused just the same).

Every problem in a file is a :class:`VectorsFormatError` of one line that names the file and the
line (or, in binary files, the word) where it is: ragged rows, a header that lies, values that are
not numbers, NaN or infinity, duplicate words, text that is not UTF-8, only all-zero vectors.
Some all-zero vectors among others are kept (padding rows of PyTorch embeddings are zero); they
have no direction, so their cosine similarity to any word is 0 (:func:`count_zero_vectors`).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import re
import zlib
from pathlib import Path

import numpy as np

from .atomic import atomic_file, disk_message, is_disk_full
from .errors import ParameterError, VectorsFormatError
from .settings import setting
from .vectors import Vectors

FORMATS = ("word2vec", "word2vec-binary", "glove", "fasttext", "projector")
PROJECTOR_VECTORS = "vectors.tsv"
PROJECTOR_METADATA = "metadata.tsv"

# Rows of text are converted to float32 this many at a time by a C parser.
_CHUNK_ROWS = 8192
_READ_BYTES = 1 << 20
# Longest line accepted: generous room for the numbers of max_dim dimensions, plus the word.
_BYTES_PER_NUMBER = 64
_LINE_SLACK = 1 << 16
_MAX_WORD_BYTES = 10_000
# A decimal or special float as numpy's parser reads it (Python's float() also takes "1_0").
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|nan|inf|infinity)",
                     re.IGNORECASE | re.ASCII)
# Characters that split fields in the text formats, so a word cannot contain them.
_TEXT_UNWRITABLE = re.compile(r"[ \t\n\r\v\f]")
_TSV_UNWRITABLE = re.compile(r"[\t\n\r]")
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
                f"{path.name} holds binary vectors, but .vec files are text; rename it to .bin")
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
    return len(parts) == 2 and all(p.isascii() and p.isdigit() for p in parts)


def _looks_binary(data: bytes) -> bool:
    return len(data.translate(None, _CONTROL_BYTES)) != len(data)


# -- reading -------------------------------------------------------------------------------------
def read_vectors(path, fmt: str | None = None, *, metadata=None, max_words: int | None = None,
                 max_dim: int = 10_000) -> Vectors:
    """Read word vectors from a file in one of :data:`FORMATS`.

    Parameters
    ----------
    path : str or Path
        The vectors file (``.gz`` compressed or not). For ``projector``: ``vectors.tsv``, or the
        folder that holds it.
    fmt : str, optional
        One of :data:`FORMATS`; by default :func:`detect_format` decides.
    metadata : str or Path, optional
        ``projector`` only: the ``metadata.tsv`` with the words (default: the one next to
        ``vectors.tsv``). One column without a header holds the words; with several columns the
        first row is a header, and the column ``word`` (else the first) holds the words and a
        column ``count``, if any, their counts.
    max_words, max_dim : int
        Refuse files with more words or dimensions than this.

    Returns
    -------
    Vectors
        The words in the file's order with their vectors as float32. Counts are 0 (the files carry
        none) except from a projector ``count`` column. All-zero vectors are kept as they are,
        unless every vector is all zeros (refused: nothing could be compared).

    The file is read line by line (binary: chunk by chunk), never whole into a string. Every problem
    is a :class:`VectorsFormatError` naming the file and the line or word where it is.

    Example
    -------
    >>> v = read_vectors("glove.6B.50d.txt", max_words=100_000)  # doctest: +SKIP
    """
    if fmt is None:
        fmt = detect_format(path)
    if fmt not in FORMATS:
        raise ParameterError(f"unknown vectors format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if max_words is not None and (not isinstance(max_words, int) or max_words < 1):
        raise ParameterError(f"max_words must be a whole number of at least 1, not {max_words!r}")
    if not isinstance(max_dim, int) or max_dim < 1:
        raise ParameterError(f"max_dim must be a whole number of at least 1, not {max_dim!r}")
    if metadata is not None and fmt != "projector":
        raise ParameterError(f"a metadata file goes with the projector format only, not {fmt}")
    path = Path(path)
    if fmt == "projector":
        return _check_not_all_zero(_read_projector(path, metadata, max_words, max_dim), path.name)
    with _reading(path) as stream:
        if fmt == "word2vec-binary":
            vectors = _read_binary(stream, path.name, max_words, max_dim)
        else:
            lines = _text_lines(stream, path.name, _line_limit(max_dim))
            vectors = _read_text(lines, path.name, fmt != "glove", max_words, max_dim)
    return _check_not_all_zero(vectors, path.name)


def count_zero_vectors(vectors: Vectors) -> int:
    """How many words have an all-zero vector (no direction: cosine similarity 0 to every word)."""
    return int((~vectors.matrix.any(axis=1)).sum())


def _check_not_all_zero(vectors: Vectors, name: str) -> Vectors:
    if len(vectors) and count_zero_vectors(vectors) == len(vectors):
        raise VectorsFormatError(
            f"{name}: every vector is all zeros, so no two words can be compared; is it the right file?")
    return vectors


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
        return open(path, "rb")
    return io.BufferedReader(_Uncompressed(gzip.open(path, "rb"), path.name), buffer_size=_READ_BYTES)


class _Uncompressed(io.RawIOBase):
    """What comes out of a decompressor, refused past EMBEDVIZ_MAX_UNCOMPRESSED_MB: a small .gz
    can expand to far more than any disk or memory holds."""

    def __init__(self, raw, name: str):
        self.raw, self.name, self.seen = raw, name, 0
        self.limit_mb = setting("EMBEDVIZ_MAX_UNCOMPRESSED_MB")

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        self.seen += len(data)
        if self.seen > self.limit_mb * 1024 * 1024:
            raise VectorsFormatError(f"{self.name} expands to more than {self.limit_mb} MB "
                                     "(EMBEDVIZ_MAX_UNCOMPRESSED_MB)")
        buffer[: len(data)] = data
        return len(data)

    def close(self):
        self.raw.close()
        super().close()


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
    number = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit:
            raise VectorsFormatError(f"{name} line {number} is longer than {limit:,} bytes")
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


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _parse_header(text: str, name: str, max_words, max_dim) -> tuple[int, int]:
    """``(count, dim)`` from a word2vec header line, checked against the limits."""
    if not _is_header(text):
        raise VectorsFormatError(
            f"{name} line 1: expected a header 'count dim' (two whole numbers), found "
            f"{_excerpt(text)}; for a file without a header choose the format 'glove'")
    count, dim = (int(p) for p in text.split())
    if count == 0:
        raise VectorsFormatError(f"{name} is empty: its header announces 0 words")
    if dim == 0:
        raise VectorsFormatError(f"{name} line 1: the header announces 0 dimensions")
    if dim > max_dim:
        raise VectorsFormatError(
            f"{name} line 1: the header announces {dim} dimensions, more than the limit of {max_dim}")
    if max_words is not None and count > max_words:
        raise VectorsFormatError(
            f"{name} line 1: the header announces {count} words, more than the limit of {max_words}")
    return count, dim


def _excerpt(text: str, length: int = 40) -> str:
    text = text.strip()
    return repr(text if len(text) <= length else text[:length] + "...")


class _Vocabulary:
    """The words read so far; refuses empty and duplicate words and more than ``max_words``.

    ``unit`` is how a position is named in messages: "line" in text files, "word" in binary ones.
    """

    def __init__(self, name: str, unit: str, max_words):
        self.name, self.unit, self.max_words = name, unit, max_words
        self.words: list[str] = []
        self.where: dict[str, int] = {}

    def add(self, word: str, position: int) -> None:
        if not word:
            raise VectorsFormatError(f"{self.name} {self.unit} {position}: the word is empty")
        first = self.where.setdefault(word, position)
        if first != position:
            raise VectorsFormatError(
                f"{self.name} {self.unit} {position}: the word {word!r} appears a second time "
                f"(first at {self.unit} {first})")
        self.words.append(word)
        if self.max_words is not None and len(self.words) > self.max_words:
            raise VectorsFormatError(
                f"{self.name} has more than {self.max_words} words, the most allowed")


class _Rows:
    """Rows of numbers (UTF-8 bytes), converted to a float32 matrix one chunk at a time.

    Fast path: a C parser converts a whole chunk (:func:`_parse_numbers`). Only when it fails, or
    the result is the wrong width or not finite, are the chunk's rows examined one by one, to name
    the line and the value at fault.
    """

    def __init__(self, name: str, dim: int, noun: str = "numbers after the word"):
        self.name, self.dim, self.noun = name, dim, noun
        self.blocks: list[np.ndarray] = []
        self.texts: list[bytes] = []
        self.lines: list[int] = []
        self.count = 0

    def add(self, number: int, text: bytes) -> None:
        if text.isspace() or not text:  # the parsers would skip a blank row and shift the rest
            self._wrong_width(number, 0)
        self.texts.append(text)
        self.lines.append(number)
        self.count += 1
        if len(self.texts) >= _CHUNK_ROWS:
            self._flush()

    def matrix(self) -> np.ndarray:
        """The rows read, as one contiguous float32 matrix.

        Each chunk is copied in and freed at once: the new matrix's pages are only touched as
        they are filled (the allocation is lazy), so the memory peak is one matrix plus a chunk,
        not two matrices as with ``np.concatenate`` (measured: benchmarks/scale_bench.py).
        """
        self._flush()
        out = np.empty((self.count, self.dim), dtype=np.float32)
        position = 0
        while self.blocks:
            block = self.blocks.pop(0)
            out[position:position + len(block)] = block
            position += len(block)
            del block
        return out

    def _flush(self) -> None:
        if not self.texts:
            return
        try:
            block = _parse_numbers(self.texts)
        except ValueError as exc:
            self._diagnose()
            raise VectorsFormatError(
                f"{self.name} lines {self.lines[0]}-{self.lines[-1]}: cannot read the numbers "
                f"({exc})") from None
        bad = ~np.isfinite(block).all(axis=1)
        if block.shape[1] != self.dim or bad.any():
            self._diagnose()  # a short row reads as NaN-padded, so look for ragged rows first
        if block.shape[1] != self.dim:
            raise VectorsFormatError(
                f"{self.name} lines {self.lines[0]}-{self.lines[-1]}: expected {self.dim} "
                f"{self.noun} on each line")
        if bad.any():
            row = int(np.argmax(bad))
            what = ("NaN" if np.isnan(block[row]).any()
                    else "an infinite value (or one too large for float32)")
            raise VectorsFormatError(f"{self.name} line {self.lines[row]}: the vector holds {what}")
        self.blocks.append(block)
        self.texts, self.lines = [], []

    def _diagnose(self) -> None:
        """Raise for the first row of the pending chunk that is ragged or holds a non-number."""
        for number, text in zip(self.lines, self.texts):
            values = text.decode("utf-8").split()
            if len(values) != self.dim:
                self._wrong_width(number, len(values))
            for column, value in enumerate(values, 1):
                if not _NUMBER.fullmatch(value):
                    raise VectorsFormatError(
                        f"{self.name} line {number}: value {column} ({_excerpt(value, 20)}) "
                        "is not a number")

    def _wrong_width(self, number: int, found: int) -> None:
        raise VectorsFormatError(
            f"{self.name} line {number}: expected {self.dim} {self.noun}, found {found}")


def _parse_numbers(texts: list[bytes]) -> np.ndarray:
    """A float32 matrix from rows of white-space separated numbers; ValueError if they are not.

    pandas' C parser is three times faster than np.loadtxt but refuses "nan" and "inf"; those
    rows (and everything else it refuses) go to np.loadtxt, which reads them or says why not.
    A row shorter than the first comes back padded with NaN.
    """
    try:
        import pandas
    except ImportError:  # pandas is only an accelerator here
        pandas = None
    if pandas is not None:
        try:
            with np.errstate(over="ignore"):  # 1e39 becomes inf, reported as such
                return pandas.read_csv(
                    io.BytesIO(b"".join(texts)), sep=r"\s+", header=None, index_col=False,
                    dtype=np.float32, na_filter=False, quoting=csv.QUOTE_NONE, engine="c",
                ).to_numpy()
        except ValueError:
            pass
    # latin-1 maps every byte to a character: anything not ASCII then fails as a non-number.
    return np.loadtxt(texts, dtype=np.float32, comments=None, ndmin=2, encoding="latin-1")


def _read_text(lines, name: str, header: bool, max_words, max_dim) -> Vectors:
    """word2vec / fastText text (``header``) or GloVe (no header), from :func:`_text_lines`."""
    count = dim = None
    header_line = 0
    vocabulary = _Vocabulary(name, "line", max_words)
    rows = None
    for number, raw, text in lines:
        if not text.strip():
            continue
        if count is None and header:
            count, dim = _parse_header(text, name, max_words, max_dim)
            header_line = number
            continue
        word, _, numbers = text.partition(" ")
        word = word.rstrip("\r\n")
        if rows is None:
            if not header and _is_header(text):
                raise VectorsFormatError(
                    f"{name} line {number} looks like a word2vec header 'count dim'; "
                    "choose the format 'word2vec'")
            found = len(numbers.split())
            if dim is None:
                dim = found
                if dim == 0:
                    raise VectorsFormatError(f"{name} line {number}: no numbers after the word")
                if dim > max_dim:
                    raise VectorsFormatError(
                        f"{name} line {number}: {dim} numbers after the word, more than the "
                        f"limit of {max_dim} dimensions")
            elif found != dim:
                raise VectorsFormatError(
                    f"{name} line {number}: expected {dim} numbers after the word, found {found}; "
                    f"the header on line {header_line} announces {dim} dimensions")
            rows = _Rows(name, dim)
        if count is not None and rows.count == count:
            raise VectorsFormatError(
                f"{name} line {number}: the header on line {header_line} announces "
                f"{_plural(count, 'word')}, but the file has more")
        vocabulary.add(word, number)
        rows.add(number, raw.partition(b" ")[2])
    if rows is None:
        raise VectorsFormatError(f"{name} is empty: it holds no vectors")
    if count is not None and rows.count != count:
        raise VectorsFormatError(
            f"{name}: the header on line {header_line} announces {_plural(count, 'word')}, "
            f"but the file has only {rows.count}")
    return Vectors(vocabulary.words, rows.matrix())


def _read_binary(stream, name: str, max_words, max_dim) -> Vectors:
    """The word2vec binary format, read a megabyte at a time."""
    first = stream.readline(256)
    try:
        header = first.decode("ascii")
    except UnicodeDecodeError:
        header = repr(first[:20])
    if not first:
        raise VectorsFormatError(f"{name} is empty: it holds no vectors")
    count, dim = _parse_header(header, name, max_words, max_dim)
    size = 4 * dim
    vocabulary = _Vocabulary(name, "word", max_words)
    numbers = bytearray()
    buffer, position = b"", 0
    for index in range(1, count + 1):
        if position > _READ_BYTES:  # drop what has been consumed
            buffer, position = buffer[position:], 0
        space = buffer.find(b" ", position)
        while space < 0:
            if len(buffer) - position > _MAX_WORD_BYTES:
                raise VectorsFormatError(
                    f"{name} word {index}: no space after {_MAX_WORD_BYTES:,} bytes; "
                    "is this really a word2vec binary file?")
            more = stream.read(_READ_BYTES)
            if not more:
                if not buffer[position:].strip():
                    raise VectorsFormatError(
                        f"{name}: the header announces {_plural(count, 'word')}, "
                        f"but the file ends after {index - 1}")
                raise VectorsFormatError(f"{name}: the file ends in the middle of word {index}")
            buffer += more
            space = buffer.find(b" ", position)
        while len(buffer) - space - 1 < size:
            more = stream.read(_READ_BYTES)
            if not more:
                raise VectorsFormatError(
                    f"{name}: the file ends in the middle of word {index} (in its vector)")
            buffer += more
        # The original C tool ends each vector with a newline, gensim does not; both are read.
        raw_word = buffer[position:space].lstrip(b"\n")
        try:
            word = raw_word.decode("utf-8")
        except UnicodeDecodeError:
            raise VectorsFormatError(
                f"{name} word {index} is not UTF-8 ({_excerpt(repr(raw_word), 30)}); "
                "re-save the file with the UTF-8 encoding") from None
        vector = buffer[space + 1:space + 1 + size]
        if index == 1 and size >= 8 and set(vector) <= _TEXT_LOOKING:
            raise VectorsFormatError(
                f"{name} holds word2vec text, not binary; choose the format 'word2vec'")
        vocabulary.add(word, index)
        numbers += vector
        position = space + 1 + size
    rest = buffer[position:]
    while not rest.strip():
        more = stream.read(_READ_BYTES)
        if not more:
            break
        rest = more
    if rest.strip():
        raise VectorsFormatError(
            f"{name}: more data follows the {_plural(count, 'word')} the header announces")
    matrix = np.frombuffer(numbers, dtype="<f4").reshape(count, dim).astype(np.float32, copy=False)
    bad = ~np.isfinite(matrix).all(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        what = "NaN" if np.isnan(matrix[row]).any() else "an infinite value"
        raise VectorsFormatError(
            f"{name} word {row + 1}: the vector of {vocabulary.words[row]!r} holds {what}")
    return Vectors(vocabulary.words, matrix)


def _read_projector(path: Path, metadata, max_words, max_dim) -> Vectors:
    """``vectors.tsv`` (numbers only) and the words (and counts) from ``metadata.tsv``."""
    if path.is_dir():
        path = path / PROJECTOR_VECTORS
    metadata = Path(metadata) if metadata is not None else path.with_name(PROJECTOR_METADATA)
    if not metadata.is_file():
        raise VectorsFormatError(
            f"{path.name} holds no words: they belong in {metadata.name}, which is missing")
    words, counts = _read_metadata(metadata, max_words, _line_limit(max_dim))
    with _reading(path) as stream:
        rows = None
        for number, raw, text in _text_lines(stream, path.name, _line_limit(max_dim)):
            if not text.strip():
                continue
            if rows is None:
                dim = len(text.split())
                if dim > max_dim:
                    raise VectorsFormatError(
                        f"{path.name} line {number}: {dim} numbers, more than the limit of "
                        f"{max_dim} dimensions")
                rows = _Rows(path.name, dim, "numbers")
            rows.add(number, raw)
            if max_words is not None and rows.count > max_words:
                raise VectorsFormatError(
                    f"{path.name} has more than {max_words} rows, the most allowed")
    if rows is None:
        raise VectorsFormatError(f"{path.name} is empty: it holds no vectors")
    if rows.count != len(words):
        raise VectorsFormatError(
            f"{path.name} has {_plural(rows.count, 'row')} but {metadata.name} has "
            f"{_plural(len(words), 'word')}; they must match line for line")
    return Vectors(words, rows.matrix(), counts)


def _read_metadata(path: Path, max_words, limit: int) -> tuple[list[str], list[int] | None]:
    """The words (and the ``count`` column, if any) of a Projector ``metadata.tsv``."""
    name = path.name
    vocabulary = _Vocabulary(name, "line", max_words)
    counts: list[int] | None = None
    columns = word_column = count_column = None
    with _reading(path, words=True) as stream:
        for number, _, text in _text_lines(stream, name, limit):
            text = text.rstrip("\r\n")
            if not text.strip():
                continue
            if columns is None:
                if "\t" not in text:  # the Projector's rule: one column means no header
                    columns = [None]
                    word_column = 0
                else:
                    columns = [c.strip().lower() for c in text.split("\t")]
                    word_column = columns.index("word") if "word" in columns else 0
                    if "count" in columns:
                        count_column, counts = columns.index("count"), []
                    continue
            cells = text.split("\t") if len(columns) > 1 else [text]
            if len(cells) != len(columns):
                raise VectorsFormatError(
                    f"{name} line {number}: expected {len(columns)} tab-separated columns "
                    f"as in the header, found {len(cells)}")
            vocabulary.add(cells[word_column], number)
            if counts is not None:
                cell = cells[count_column].strip()
                if not (cell.isascii() and cell.isdigit()):
                    raise VectorsFormatError(
                        f"{name} line {number}: the count {_excerpt(cell, 20)} is not a whole number")
                counts.append(int(cell))
    if not vocabulary.words:
        raise VectorsFormatError(f"{name} is empty: it holds no words")
    return vocabulary.words, counts


# -- writing -------------------------------------------------------------------------------------
def write_word2vec(vectors: Vectors, path, binary: bool = False) -> None:
    """Write ``vectors`` in the word2vec text (or ``binary``) format, as gensim does.

    The result loads with ``gensim.models.KeyedVectors.load_word2vec_format(path, binary=...)``.
    Text numbers have 9 significant digits, enough to give back every float32 exactly. A ``path``
    ending in ``.gz`` is gzip-compressed. Raises :class:`VectorsFormatError` for a word that is
    empty or contains white space, which the format cannot hold.
    """
    _check_words(vectors, _TEXT_UNWRITABLE, "word2vec", "white space")
    with _writing(path) as out:
        out.write(f"{len(vectors)} {vectors.dim}\n".encode())
        if binary:
            _write_binary_rows(vectors, out)
        else:
            _write_text_rows(vectors, out, " ", words=True)


def write_glove(vectors: Vectors, path) -> None:
    """Write ``vectors`` in the GloVe text format: ``word v1 ... vd`` per line, no header.

    Same precision, compression and word rules as :func:`write_word2vec`.
    """
    _check_words(vectors, _TEXT_UNWRITABLE, "glove", "white space")
    with _writing(path) as out:
        _write_text_rows(vectors, out, " ", words=True)


def write_projector(vectors: Vectors, folder) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for the TensorFlow Embedding Projector.

    ``folder`` is created if needed. ``metadata.tsv`` has a header ``word<TAB>count`` and one row
    per word. Returns the two paths. Raises :class:`VectorsFormatError` for a word that is empty or
    contains a tab or a line break, which a TSV file cannot hold.
    """
    _check_words(vectors, _TSV_UNWRITABLE, "projector", "a tab or a line break")
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VectorsFormatError(f"cannot create the folder {folder.name}: {_reason(exc)}") from None
    vectors_path, metadata_path = folder / PROJECTOR_VECTORS, folder / PROJECTOR_METADATA
    with _writing(vectors_path) as out:
        _write_text_rows(vectors, out, "\t", words=False)
    with _writing(metadata_path) as out:
        out.write(b"word\tcount\n")
        lines = (f"{w}\t{int(c)}\n" for w, c in zip(vectors.words, vectors.counts))
        out.write("".join(lines).encode("utf-8"))
    return vectors_path, metadata_path


def _check_words(vectors: Vectors, unwritable: re.Pattern, fmt: str, what: str) -> None:
    for index, word in enumerate(vectors.words, 1):
        if not word or unwritable.search(word):
            problem = "is empty" if not word else f"contains {what}"
            raise VectorsFormatError(
                f"word {index} ({word!r}) {problem}, which the {fmt} format cannot hold")


@contextlib.contextmanager
def _writing(path):
    """``with _writing(path) as out``: a binary file, gzip if the name ends in ``.gz``, written to
    a temporary file that replaces ``path`` only once complete (a killed export or a full disk
    never leaves a half-written file under the name); I/O errors become one-line
    VectorsFormatErrors."""
    path = Path(path)
    try:
        with atomic_file(path, "wb") as raw:
            if path.name.lower().endswith(".gz"):
                # mtime=0: the same vectors give the same bytes; the name inside is the target's.
                with gzip.GzipFile(filename=path.name[:-3], mode="wb", fileobj=raw, mtime=0) as out:
                    yield out
            else:
                yield raw
    except OSError as exc:
        if is_disk_full(exc):
            raise VectorsFormatError(disk_message(exc, f"writing {path.name}")) from None
        raise VectorsFormatError(f"cannot write {path.name}: {_reason(exc)}") from None


def _write_text_rows(vectors: Vectors, out, separator: str, words: bool) -> None:
    # '%.9g' gives 9 significant digits: enough for any float32 to read back bit for bit.
    template = separator.join(["%.9g"] * vectors.dim)
    for start in range(0, len(vectors), _CHUNK_ROWS):
        block = vectors.matrix[start:start + _CHUNK_ROWS].tolist()
        if words:
            names = vectors.words[start:start + _CHUNK_ROWS]
            lines = [f"{w} {template % tuple(row)}\n" for w, row in zip(names, block)]
        else:
            lines = [template % tuple(row) + "\n" for row in block]
        out.write("".join(lines).encode("utf-8"))


def _write_binary_rows(vectors: Vectors, out) -> None:
    size = 4 * vectors.dim
    for start in range(0, len(vectors), _CHUNK_ROWS):
        block = np.ascontiguousarray(vectors.matrix[start:start + _CHUNK_ROWS], dtype="<f4").tobytes()
        names = vectors.words[start:start + _CHUNK_ROWS]
        # gensim writes no newline after a vector (the C tool does); gensim reads either.
        out.write(b"".join(w.encode("utf-8") + b" " + block[i * size:(i + 1) * size]
                           for i, w in enumerate(names)))


__all__ = ["FORMATS", "detect_format", "read_vectors", "write_word2vec", "write_glove",
           "write_projector"]
