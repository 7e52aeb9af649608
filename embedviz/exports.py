"""Vectors into and out of the store as bytes: what an upload hands in and a download hands out.

The file formats themselves live in :mod:`embedviz.formats`, whose readers and writers work on paths;
here the bytes go through a temporary folder that is always removed. Import follows the CLI's
``import`` command (same checks, same ``meta.json``), so the dashboard and the command line agree.

>>> meta = import_vectors(Store(), "mine", "vectors.txt", uploaded_bytes)   # doctest: +SKIP
>>> data = word2vec_bytes(Store().load("mine"))                            # doctest: +SKIP
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

from .errors import StoreError, VectorsFormatError
from .formats import (PROJECTOR_METADATA, PROJECTOR_VECTORS, count_zero_vectors, detect_format, read_vectors,
                      write_projector, write_word2vec)
from .projection import Projection
from .settings import setting
from .store import Store, check_name, now
from .vectors import Vectors

#: What each export is called in the dashboard, with its file suffix and MIME type.
EXPORTS = {
    "word2vec": ("word2vec text", ".txt", "text/plain"),
    "word2vec-binary": ("word2vec binary", ".bin", "application/octet-stream"),
    "projector": ("Embedding Projector (vectors.tsv + metadata.tsv, zipped)", "-projector.zip",
                  "application/zip"),
}
# Characters a word cannot hold in each export format (they separate fields).
_UNWRITABLE = {"word2vec": re.compile(r"[ \t\n\r\v\f]"), "word2vec-binary": re.compile(r"[ \t\n\r\v\f]"),
               "projector": re.compile(r"[\t\n\r]")}


# -- import --------------------------------------------------------------------------------------
def model_name_for(filename: str) -> str:
    """A model name made from an uploaded file's name: ``glove.6B.50d.txt`` -> ``glove``."""
    stem = _base_name(filename).split(".")[0]
    cleaned = "".join(c if c.isalnum() or c in "_-" else "-" for c in stem).strip("-_")
    return cleaned[:64] or "imported"


def import_vectors(store: Store, name: str, filename: str, data: bytes, fmt: str | None = None,
                   metadata: bytes | None = None) -> dict:
    """Read an uploaded vectors file and save it in ``store`` as model ``name``; return its meta.

    ``filename`` is the name the file had on the user's machine (its extension guides the format
    detection); ``fmt`` is one of :data:`embedviz.formats.FORMATS`, or None to detect it. The
    ``projector`` format needs ``metadata``, the bytes of ``metadata.tsv``. Every problem raises a
    one-line :class:`~embedviz.errors.EmbedvizError` before the store is touched.
    """
    check_name(name)
    if store.exists(name):
        raise StoreError(f"a model named {name!r} already exists; choose another name or delete it")
    limit = setting("EMBEDVIZ_MAX_UPLOAD_MB")
    size = len(data) + len(metadata or b"")
    if size > limit * 1024 * 1024:
        raise VectorsFormatError(f"{_base_name(filename)} is {size / 2**20:,.0f} MB, more than the limit "
                                 f"of {limit} MB (EMBEDVIZ_MAX_UPLOAD_MB)")
    if not data:
        raise VectorsFormatError(f"{_base_name(filename)} is empty")
    with tempfile.TemporaryDirectory(prefix="embedviz-import-") as folder:
        path = Path(folder) / _base_name(filename)
        path.write_bytes(data)
        fmt = fmt or detect_format(path)
        metadata_path = None
        if fmt == "projector":
            if metadata is None:
                raise VectorsFormatError(f"the Projector format comes in two files: {PROJECTOR_VECTORS} "
                                         f"with the numbers and {PROJECTOR_METADATA} with the words; "
                                         f"add {PROJECTOR_METADATA}")
            metadata_path = Path(folder) / (PROJECTOR_METADATA if path.name != PROJECTOR_METADATA
                                            else "words.tsv")
            metadata_path.write_bytes(metadata)
        vectors = read_vectors(path, fmt, metadata=metadata_path,
                               max_words=setting("EMBEDVIZ_MAX_VOCABULARY"),
                               max_dim=setting("EMBEDVIZ_MAX_DIMENSIONS"))
    zero = count_zero_vectors(vectors)  # kept, but the user is told (see embedviz.formats)
    source = {"file": _base_name(filename), "format": fmt} | ({"zero_vectors": zero} if zero else {})
    store.save(name, vectors, {"trainer": "imported", "created": now(), "source": source})
    return store.meta(name)


def _base_name(filename: str) -> str:
    """The last part of an uploaded file's name, whatever its machine's separators ('/' or '\\')."""
    base = re.split(r"[/\\]", str(filename))[-1].strip()
    return base if base not in ("", ".", "..") else "upload"


# -- export --------------------------------------------------------------------------------------
def export_problem(vectors: Vectors, fmt: str) -> str | None:
    """Why ``vectors`` cannot be exported as ``fmt`` (a word the format cannot hold), or None."""
    unwritable = _UNWRITABLE[fmt]
    for index, word in enumerate(vectors.words, 1):
        if not word or unwritable.search(word):
            return f"word {index} ({word!r}) cannot be written in the {fmt} format"
    return None


def export_bytes(vectors: Vectors, fmt: str) -> bytes:
    """``vectors`` as the file :data:`EXPORTS` names for ``fmt`` (a zip of two files for projector)."""
    if fmt == "projector":
        return projector_zip(vectors)
    if fmt in ("word2vec", "word2vec-binary"):
        return word2vec_bytes(vectors, binary=fmt == "word2vec-binary")
    raise ValueError(f"unknown export format {fmt!r}")


def word2vec_bytes(vectors: Vectors, binary: bool = False) -> bytes:
    """The word2vec text (or binary) file of ``vectors``, as gensim's ``load_word2vec_format`` reads it."""
    with tempfile.TemporaryDirectory(prefix="embedviz-export-") as folder:
        path = Path(folder) / "vectors"
        write_word2vec(vectors, path, binary=binary)
        return path.read_bytes()


def projector_zip(vectors: Vectors) -> bytes:
    """A zip holding ``vectors.tsv`` and ``metadata.tsv`` for the TensorFlow Embedding Projector."""
    with tempfile.TemporaryDirectory(prefix="embedviz-export-") as folder:
        written = write_projector(vectors, folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for path in written:
                archive.write(path, arcname=path.name)
        return buffer.getvalue()


def projection_csv(projection: Projection) -> bytes:
    """The coordinates of a projection as CSV: a header ``word,x,y[,z]``, then one row per word."""
    with tempfile.TemporaryDirectory(prefix="embedviz-export-") as folder:
        path = Path(folder) / "projection.csv"
        projection.to_csv(path)
        return path.read_bytes()
