"""The model store: one folder per model under a home folder.

::

    EMBEDVIZ_HOME/
        demo/
            meta.json       parameters, corpus fingerprint, statistics, timings, scores
            vectors.npy     float32 matrix, one row per word
            vocab.json      words (most frequent first) and their counts
            projections/    cached projections (see embedviz.projection)
        .tmp-.../           a model being written; never listed

A model is written into a hidden temporary folder and renamed into place in one step, so a crash or
a failed run never leaves a half-written model that :meth:`Store.list` shows. ``meta.json`` is
replaced atomically too (written beside, then ``os.replace``).
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

from .errors import StoreError
from .settings import DATA_DIR, home as default_home
from .vectors import Vectors

META_FILE = "meta.json"
PROJECTIONS_DIR = "projections"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEMO_NAME = "demo"
DEMO_SOURCE = DATA_DIR / "demo"
_DEMO_MARKER = ".demo-installed"


def check_name(name) -> str:
    """Return ``name`` if it is a valid model name, else raise :class:`StoreError`.

    A name is 1 to 64 letters, digits, ``_``, ``.`` or ``-``, starting with a letter or digit:
    it can never reach outside the store (no ``/``, no ``..``, not hidden).
    """
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or ".." in name:
        raise StoreError(f"invalid model name {name!r}: use 1-64 letters, digits, '_', '.' or '-', "
                         "starting with a letter or digit")
    return name


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class Store:
    """Models on disk. ``Store()`` uses ``EMBEDVIZ_HOME`` (default ``data/store`` in the project)."""

    def __init__(self, home: str | os.PathLike | None = None):
        self.home = Path(home) if home is not None else default_home()

    def __repr__(self) -> str:
        return f"Store({str(self.home)!r})"

    def path(self, name: str) -> Path:
        return self.home / check_name(name)

    def exists(self, name: str) -> bool:
        return (self.path(name) / META_FILE).is_file()

    def names(self) -> list[str]:
        """Names of the complete models, sorted."""
        if not self.home.is_dir():
            return []
        return sorted(
            entry.name for entry in self.home.iterdir()
            if entry.is_dir() and NAME_PATTERN.match(entry.name) and (entry / META_FILE).is_file()
        )

    def list(self) -> list[dict]:
        """Every complete model's ``meta.json`` (with its ``name``), sorted by name."""
        out = []
        for name in self.names():
            try:
                out.append(self.meta(name))
            except StoreError:
                continue  # unreadable meta: not listed, never crashes the list
        return out

    def meta(self, name: str) -> dict:
        path = self.path(name) / META_FILE
        if not path.is_file():
            raise StoreError(self._missing(name))
        try:
            with open(path, encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError) as exc:
            raise StoreError(f"model {name!r} has an unreadable meta.json: {exc}") from None
        meta["name"] = name
        return meta

    def load(self, name: str, mmap: bool = False) -> Vectors:
        """The vectors of model ``name``."""
        if not self.exists(name):
            raise StoreError(self._missing(name))
        return Vectors.load(self.path(name), mmap=mmap)

    def _missing(self, name: str) -> str:
        names = self.names()
        known = ("; models in the store: " + ", ".join(names)) if names else "; the store is empty"
        return f"no model named {name!r}{known}"

    # -- writing ---------------------------------------------------------------------------------
    def save(self, name: str, vectors: Vectors, meta: dict | None = None, overwrite: bool = False,
             extra: dict[str, bytes] | None = None) -> Path:
        """Write a model atomically and return its folder.

        ``extra`` maps file names to bytes written beside the vectors (e.g. a classifier's weights);
        they are part of the same atomic write.

        The vectors and ``meta.json`` go into a hidden temporary folder, which is then renamed to
        ``name``. With ``overwrite`` an existing model of that name is replaced (the old one is
        moved aside first and deleted only once the new one is in place).
        """
        target = self.path(name)
        if target.exists() and not overwrite:
            raise StoreError(f"a model named {name!r} already exists; choose another name or delete it")
        self.home.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.home))
        tmp.chmod(0o755)
        try:
            vectors.save(tmp)
            for filename, data in (extra or {}).items():
                if Path(filename).name != filename or filename in (META_FILE, "vectors.npy", "vocab.json") \
                        or filename.startswith("."):
                    raise StoreError(f"invalid extra file name {filename!r} for a model")
                (tmp / filename).write_bytes(data)
            meta = dict(meta or {})
            meta.pop("name", None)
            meta.setdefault("created", now())
            meta.update({"words": len(vectors), "dim": vectors.dim})
            _write_json(tmp / META_FILE, meta)
            _fsync_dir(tmp)
            old = None
            if target.exists():
                old = self.home / f".old-{name}-{uuid.uuid4().hex[:8]}"
                os.rename(target, old)
            os.rename(tmp, target)
            _fsync_dir(self.home)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(_disk_message(exc, name)) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    def update_meta(self, name: str, **fields) -> dict:
        """Merge ``fields`` into a model's ``meta.json`` (atomically) and return the new meta."""
        meta = self.meta(name)
        meta.update(fields)
        meta.pop("name", None)
        try:
            _write_json(self.path(name) / META_FILE, meta)
        except OSError as exc:
            raise StoreError(_disk_message(exc, name)) from None
        meta["name"] = name
        return meta

    def delete(self, name: str) -> None:
        target = self.path(name)
        if not target.exists():
            raise StoreError(self._missing(name))
        # Rename first, so the model disappears from the list at once even if removal is slow.
        trash = self.home / f".deleted-{name}-{uuid.uuid4().hex[:8]}"
        os.rename(target, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def rename(self, old: str, new: str) -> None:
        source, target = self.path(old), self.path(new)
        if not self.exists(old):
            raise StoreError(self._missing(old))
        if target.exists():
            raise StoreError(f"a model named {new!r} already exists")
        os.rename(source, target)

    def cache_dir(self, name: str) -> Path:
        """The folder where a model's derived results (projections) are cached."""
        path = self.path(name) / PROJECTIONS_DIR
        path.mkdir(exist_ok=True)
        return path

    def clean(self) -> list[str]:
        """Remove leftovers of interrupted writes (hidden temporary folders); return their names."""
        removed = []
        if self.home.is_dir():
            for entry in self.home.iterdir():
                if entry.is_dir() and entry.name.startswith((".tmp-", ".old-", ".deleted-")):
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry.name)
        return removed

    # -- the demo model --------------------------------------------------------------------------
    def ensure_demo(self) -> bool:
        """Install the bundled ``demo`` model on first use; return True if it was installed now.

        A marker file remembers the installation, so a user who deletes the demo keeps it deleted
        (``python -m embedviz demo`` brings it back).
        """
        if (self.home / _DEMO_MARKER).exists() or self.exists(DEMO_NAME):
            return False
        self.install_demo()
        return True

    def install_demo(self) -> None:
        if not (DEMO_SOURCE / META_FILE).is_file():
            raise StoreError(f"the bundled demo model is missing from {DEMO_SOURCE}")
        with open(DEMO_SOURCE / META_FILE, encoding="utf-8") as f:
            meta = json.load(f)
        self.save(DEMO_NAME, Vectors.load(DEMO_SOURCE), meta, overwrite=True)
        (self.home / _DEMO_MARKER).write_text(now() + "\n")


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, ensure_ascii=False, default=_json_default)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in meta.json")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _disk_message(exc: OSError, name: str) -> str:
    if exc.errno == errno.ENOSPC:
        return f"the disk is full: model {name!r} was not saved and nothing was changed"
    return f"cannot write model {name!r}: {exc.strerror or exc}"
