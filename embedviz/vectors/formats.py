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

from pathlib import Path

import numpy as np

from embedviz.core.errors import ParameterError, VectorsFormatError
from embedviz.vectors.parsing import _MAX_WORD_BYTES, _Rows, _Vocabulary, _excerpt, _parse_header, _plural
from embedviz.vectors.files import (PROJECTOR_METADATA, PROJECTOR_VECTORS, _READ_BYTES, _TEXT_LOOKING,
                                    _is_header, _line_limit, _reading, _text_lines, detect_format)
from embedviz.vectors.vectors import Vectors

FORMATS = ("word2vec", "word2vec-binary", "glove", "fasttext", "projector")


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
__all__ = ["FORMATS", "detect_format", "read_vectors"]
