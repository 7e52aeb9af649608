"""Vectors into and out of the store as bytes: what an upload hands in and a download hands out.

The file formats themselves live in :mod:`embedviz.vectors.formats`, whose readers and writers work on
paths. :func:`import_file` is the one import, of the CLI and of the Models page (an upload's bytes
go through a temporary folder, always removed: :func:`import_upload`), so both agree.

>>> meta = import_upload(Store(), "mine", "vectors.txt", uploaded_bytes)   # doctest: +SKIP
>>> data = word2vec_bytes(Store().load("mine"))                            # doctest: +SKIP
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

from embedviz.core.errors import StoreError, VectorsFormatError
from embedviz.vectors.access import owned_by
from embedviz.vectors.formats import (PROJECTOR_METADATA, PROJECTOR_VECTORS, count_zero_vectors, detect_format,
                                      read_vectors)
from embedviz.vectors.writers import write_projector, write_word2vec
from embedviz.core.settings import setting
from embedviz.vectors.names import check_name, name_from
from embedviz.vectors.store import Store, now
from embedviz.vectors.vectors import Vectors

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
def import_file(store: Store, path, name: str | None = None, fmt: str | None = None, metadata=None,
                overwrite: bool = False, owner: str | None = None) -> dict:
    """Read the vectors file ``path`` and save it in ``store`` as model ``name``; return its meta.

    The one import of the CLI and the Models page. ``name`` None: made from the file's name
    (:func:`~embedviz.vectors.names.name_from`). ``fmt``: one of :data:`embedviz.vectors.formats.FORMATS`,
    or None to detect it from the name (``filename``, the name the file had on the user's machine,
    where it differs from ``path``'s) and the first bytes. The ``projector`` format needs
    ``metadata`` (the path of ``metadata.tsv``). The upload limit applies to every file. Every
    problem raises a one-line :class:`~embedviz.core.errors.EmbedvizError` before the store is touched.
    ``owner``: the logged-in user importing it (:mod:`embedviz.vectors.access`; None from the CLI).
    """
    path = Path(path)
    shown = path.name
    name = check_name(name_from(shown, fallback="imported") if name is None else name)
    if store.exists(name) and not overwrite:
        raise StoreError(f"a model named {name!r} already exists; choose another name or delete it")
    if not path.is_file():
        raise StoreError(f"{shown}: no such file")
    limit = setting("EMBEDVIZ_MAX_UPLOAD_MB")
    size = path.stat().st_size + (Path(metadata).stat().st_size if metadata and Path(metadata).is_file() else 0)
    if size > limit * 1024 * 1024:
        raise VectorsFormatError(f"{shown} is {size / 2**20:,.0f} MB, more than the limit of {limit} MB "
                                 "(EMBEDVIZ_MAX_UPLOAD_MB)")
    if size == 0:
        raise VectorsFormatError(f"{shown} is empty")
    fmt = fmt or detect_format(path)
    if fmt == "projector" and metadata is None:
        raise VectorsFormatError(f"the Projector format comes in two files: {PROJECTOR_VECTORS} with the "
                                 f"numbers and {PROJECTOR_METADATA} with the words; add {PROJECTOR_METADATA}")
    vectors = read_vectors(path, fmt, metadata=metadata, max_words=setting("EMBEDVIZ_MAX_VOCABULARY"),
                           max_dim=setting("EMBEDVIZ_MAX_DIMENSIONS"))
    zero = count_zero_vectors(vectors)  # kept, but the user is told (see embedviz.vectors.formats)
    source = {"file": shown, "format": fmt} | ({"zero_vectors": zero} if zero else {})
    store.save(name, vectors, {"trainer": "imported", "created": now(), "source": source, **owned_by(owner)},
               overwrite=overwrite)
    return store.meta(name)


def import_upload(store: Store, name: str | None, filename: str, data: bytes, fmt: str | None = None,
                  metadata: bytes | None = None, owner: str | None = None) -> dict:
    """:func:`import_file` for an uploaded file's bytes (written to a private temporary folder)."""
    limit = setting("EMBEDVIZ_MAX_UPLOAD_MB")
    if len(data) + len(metadata or b"") > limit * 1024 * 1024:  # refused before anything is written
        raise VectorsFormatError(f"{_base_name(filename)} is {(len(data) + len(metadata or b'')) / 2**20:,.0f} MB, "
                                 f"more than the limit of {limit} MB (EMBEDVIZ_MAX_UPLOAD_MB)")
    with tempfile.TemporaryDirectory(prefix="embedviz-import-") as folder:
        # Named as on the user's machine: its extension guides the detection, messages quote it.
        path = Path(folder) / _base_name(filename)
        path.write_bytes(data)
        metadata_path = None
        if metadata is not None:
            metadata_path = Path(folder) / (PROJECTOR_METADATA if path.name != PROJECTOR_METADATA else "words.tsv")
            metadata_path.write_bytes(metadata)
        return import_file(store, path, name, fmt, metadata_path, owner=owner)


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
