"""Writing word vectors in the formats other tools read: word2vec (text and binary), GloVe, and the
TensorFlow Embedding Projector's ``vectors.tsv`` + ``metadata.tsv`` (the formats are described in
:mod:`embedviz.vectors.formats`, which reads them). Every file is written whole or not at all.
"""

from __future__ import annotations

import contextlib
import gzip
import re
from pathlib import Path

import numpy as np

from embedviz.core.atomic import atomic_file, disk_message, is_disk_full
from embedviz.core.errors import VectorsFormatError
from embedviz.vectors.files import PROJECTOR_METADATA, PROJECTOR_VECTORS, _reason
from embedviz.vectors.vectors import Vectors

# Rows converted to text this many at a time.
_CHUNK_ROWS = 8192
# Characters that split fields in the text formats, so a word cannot contain them.
_TEXT_UNWRITABLE = re.compile(r"[ \t\n\r\v\f]")
_TSV_UNWRITABLE = re.compile(r"[\t\n\r]")


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
