"""A session's uploaded corpus files, and its remembered corpus choice.

Uploads live in the store's home folder, one folder per owner (a browser session)::

    EMBEDVIZ_HOME/.uploads/<owner>/<sanitised file name>
    EMBEDVIZ_HOME/.uploads/<owner>/.corpus.json     the owner's last corpus choice (a CorpusSpec)

An owner sees only its own folder. A file keeps the suffixes that decide how it is read
(``.csv.gz``, ``.jsonl``...); a name that gives no accepted kind, or a file above
``EMBEDVIZ_MAX_UPLOAD_MB``, is refused with a one-line :class:`CorpusError`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import unicodedata
from pathlib import Path

from embedviz.core.atomic import disk_message, write_bytes, write_json
from embedviz.core.errors import CorpusError, ParameterError
from embedviz.core.settings import home as default_home, setting
from embedviz.text.corpus import corpus_kind
from embedviz.text.specs import BUNDLED, CorpusSpec

UPLOADS_DIR = ".uploads"
#: What the upload widget accepts (the engine decides the kind from the full name).
UPLOAD_TYPES = ("txt", "gz", "zip", "csv", "tsv", "jsonl")
# \Z, not $: "$" would also accept a final newline ("abc\n"), a folder name of its own.
OWNER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
_MAX_NAME = 120
CHOICE_FILE = ".corpus.json"


# -- uploads -------------------------------------------------------------------------------------
def check_owner(owner) -> str:
    """Return ``owner`` if it can name a folder (letters, digits, ``_``, ``-``), else raise."""
    if not isinstance(owner, str) or not OWNER_PATTERN.match(owner):
        raise ParameterError(f"invalid session id {owner!r}")
    return owner


def uploads_dir(owner: str, home: str | os.PathLike | None = None) -> Path:
    """The folder of one owner's uploads (not created)."""
    base = Path(home) if home is not None else default_home()
    return base / UPLOADS_DIR / check_owner(owner)


def sanitise_name(name: str) -> str:
    """A safe file name for an upload that keeps the suffixes deciding its kind.

    Any folder part is dropped, accents are folded, characters other than letters, digits, ``.``,
    ``_`` and ``-`` become ``_``, and the name cannot be hidden or empty. Raises
    :class:`CorpusError` (the engine's message) if the result names no accepted kind.

    >>> sanitise_name("../../My Notes (2).CSV.gz")
    'My_Notes_2.CSV.gz'
    """
    base = re.split(r"[/\\]", str(name))[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base)
    base = re.sub(r"\.{2,}", ".", base).lstrip("._-")
    stem, dot, suffixes = base.partition(".")
    stem = stem.strip("_-") or "corpus"
    suffixes = suffixes.strip("_-.")
    if len(stem) + len(suffixes) + 1 > _MAX_NAME:
        stem = stem[: max(1, _MAX_NAME - len(suffixes) - 1)]
    cleaned = f"{stem}.{suffixes}" if suffixes else stem
    if not suffixes or len(suffixes) > 40:
        raise CorpusError(f"{name}: unsupported corpus file type (no suffix); use "
                          ".txt, .txt.gz, .zip, .csv, .tsv, .jsonl (and .gz of each)")
    corpus_kind(cleaned)  # raises the engine's message for a kind it cannot read
    return cleaned


def save_upload(owner: str, name: str, data: bytes, home: str | os.PathLike | None = None) -> Path:
    """Save an uploaded file for ``owner`` and return its path.

    The file is written beside its final name and renamed into place, so a reader never sees half
    a file. A file of the same (sanitised) name is replaced.
    """
    filename = sanitise_name(name)
    limit_mb = setting("EMBEDVIZ_MAX_UPLOAD_MB")
    if len(data) > limit_mb * 1024 * 1024:
        raise CorpusError(f"{filename} is larger than the limit of {limit_mb} MB (EMBEDVIZ_MAX_UPLOAD_MB)")
    if not data:
        raise CorpusError(f"{filename} is empty")
    prune_uploads(home)  # uploads of sessions gone for a month
    folder = uploads_dir(owner, home)
    target = folder / filename
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_bytes(target, data)
    except OSError as exc:
        raise CorpusError(disk_message(exc, f"saving the upload {filename}")) from None
    return target


def list_uploads(owner: str, home: str | os.PathLike | None = None) -> list[Path]:
    """The owner's uploaded files, newest first."""
    folder = uploads_dir(owner, home)
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)


def upload_path(owner: str, filename: str, home: str | os.PathLike | None = None) -> Path:
    """The path of one of the owner's uploads; raises :class:`CorpusError` if it is not theirs."""
    folder = uploads_dir(owner, home)
    path = folder / Path(str(filename)).name
    # Only a plain name in the owner's own folder: "../other/x.csv", "/etc/x.csv" and hidden files
    # (the owner's .corpus.json, files being written) are nobody's upload.
    if not isinstance(filename, str) or path.name != filename or filename.startswith(".") \
            or not path.is_file():
        raise CorpusError(f"no uploaded file named {filename!r} in this session")
    return path


def delete_upload(owner: str, filename: str, home: str | os.PathLike | None = None) -> None:
    upload_path(owner, filename, home).unlink()


def upload_spec(owner: str, filename: str, home: str | os.PathLike | None = None, **options) -> CorpusSpec:
    """The spec of one of the owner's uploads (text column ``text``, no labels, unless given)."""
    path = upload_path(owner, filename, home)
    values = dict(paths=[str(path)], source=f"upload:{filename}", title=filename)
    values.update(options)
    return CorpusSpec(**values)


# -- the owner's corpus choice, kept across page reloads -------------------------------------------
def save_choice(owner: str, spec: CorpusSpec, home: str | os.PathLike | None = None) -> None:
    """Remember ``spec`` as the owner's corpus choice (best effort: a failure only loses the memory)."""
    folder = uploads_dir(owner, home)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_json(folder / CHOICE_FILE, spec.to_dict())
    except OSError:
        pass


def load_choice(owner: str, home: str | os.PathLike | None = None) -> CorpusSpec | None:
    """The owner's remembered corpus choice, if its files still exist and are theirs or bundled."""
    folder = uploads_dir(owner, home)
    try:
        spec = CorpusSpec.from_dict(json.loads((folder / CHOICE_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, ParameterError):
        return None
    allowed = {str(p) for b in BUNDLED.values() for p in b.paths}
    for path in spec.paths:
        path = Path(path)
        if not path.is_file() or (str(path) not in allowed and path.parent != folder):
            return None
    return spec


def prune_uploads(home: str | os.PathLike | None = None, older_than_days: float = 30) -> int:
    """Remove the upload folders of owners inactive for ``older_than_days``; return how many."""
    base = (Path(home) if home is not None else default_home()) / UPLOADS_DIR
    if not base.is_dir():
        return 0
    removed, limit = 0, time.time() - older_than_days * 86400
    for folder in base.iterdir():
        try:
            newest = max([folder.stat().st_mtime] + [p.stat().st_mtime for p in folder.iterdir()])
        except OSError:
            continue
        if folder.is_dir() and newest < limit:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
