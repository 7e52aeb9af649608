"""The building blocks of the vectors parsers (:mod:`embedviz.vectors.formats`): the header, the
vocabulary (duplicates and limits refused with the line at fault), and rows of numbers converted
to float32 a chunk at a time by a C parser, every bad row named.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np

from embedviz.core.errors import VectorsFormatError
from embedviz.vectors.files import _is_header

# Rows of text are converted to float32 this many at a time by a C parser.
_CHUNK_ROWS = 8192
_MAX_WORD_BYTES = 10_000
# A decimal or special float as numpy's parser reads it (Python's float() also takes "1_0").
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|nan|inf|infinity)",
                     re.IGNORECASE | re.ASCII)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _parse_header(text: str, name: str, max_words, max_dim) -> tuple[int, int]:
    """``(count, dim)`` from a word2vec header line, checked against the limits."""
    if not _is_header(text):
        raise VectorsFormatError(
            f"{name} line 1: expected a header 'count dim' (two whole numbers), found "
            f"{_excerpt(text)}; for a file without a header choose the format 'glove'")
    count, dim = (int(p) for p in text.split())
    if count < 0 or dim < 0:
        raise VectorsFormatError(f"{name} line 1: the header announces {count} words and {dim} dimensions; "
                                 "neither can be negative")
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


#: Characters no word may hold: C0 controls but the tab (gensim keeps "new\tyork" as one word), DEL and
#: C1 controls, zero-width and joiner characters, the bidirectional embeddings, overrides and
#: isolates, the byte-order mark.
_HIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


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
        hidden = _HIDDEN.search(word)
        if hidden is not None:
            # a control character (a newline, an escape sequence) or an invisible one (a bidi
            # override, a zero-width space) would make a word print as another, or break a line
            raise VectorsFormatError(
                f"{self.name} {self.unit} {position}: the word holds the control or invisible character "
                f"U+{ord(hidden.group()):04X}; no word may")
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
