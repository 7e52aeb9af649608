"""The model store: one folder per model under a home folder.

::

    EMBEDVIZ_HOME/
        demo/
            meta.json       parameters, corpus fingerprint, statistics, timings, scores
            vectors.npy     float32 matrix, one row per word
            vocab.json      words (most frequent first) and their counts
            projections/    cached projections (see embedviz.space.projection)
        .tmp-.../           a model being written; never listed
        .old-<name>-.../    a model being replaced (moved aside until the new one is in place)

A model is written into a hidden temporary folder, its files are fsynced, and the folder is renamed
into place in one step, so a crash, a killed process or a full disk never leaves a half-written
model that :meth:`Store.list` shows. ``meta.json`` is replaced atomically too
(:mod:`embedviz.core.atomic`). :meth:`Store.check` verifies that every listed model is whole;
:meth:`Store.clean` tidies what interrupted writes left behind (and puts back a model whose
replacement was interrupted). A full disk is a :class:`StoreError` saying so, never a torn file.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import os
import re
import shutil
import tempfile
import time
import uuid
import warnings
from pathlib import Path

from embedviz.core.atomic import disk_message, fsync_dir, write_json
from embedviz.core.errors import EmbedvizError, StoreError
from embedviz.core.settings import DATA_DIR, home as default_home
from embedviz.vectors.names import NAME_PATTERN, check_name
from embedviz.vectors.vectors import Vectors

META_FILE = "meta.json"
PROJECTIONS_DIR = "projections"
DEMO_NAME = "demo"
DEMO_SOURCE = DATA_DIR / "demo"
_DEMO_MARKER = ".demo-installed"
#: Prefixes of the hidden folders that writes leave while they run (and, if killed, behind).
LEFTOVER_PREFIXES = (".tmp-", ".old-", ".deleted-")
_OLD_PATTERN = re.compile(r"^\.old-(.+)-[0-9a-f]{8}\Z")
#: Leftovers untouched for this long belong to no running write: the app tidies them at start.
STALE_SECONDS = 600.0
#: Test-only: seconds to pause between the steps of a save, so a fault test can kill a process
#: inside the save window (tests/test_faults.py). Unset, as it always is outside tests, it costs nothing.
SAVE_PAUSE_VARIABLE = "EMBEDVIZ_TEST_SAVE_PAUSE"


def model_kind(meta: dict) -> str:
    """``"classifier embedding"`` for the embedding layer of a classifier (it separates labels; its
    neighbours are not meanings), else ``"word vectors"``."""
    return "classifier embedding" if meta.get("trainer") == "torch-classifier" else "word vectors"


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

        The vectors and ``meta.json`` go into a hidden temporary folder, which is fsynced and then
        renamed to ``name``. With ``overwrite`` an existing model of that name is replaced (the old
        one is moved aside first, put back if the new one cannot be renamed in, and deleted only
        once the new one is in place). Without it, a model of that name that appears while this
        one is being written (another process) is refused, never replaced. A full disk raises
        :class:`StoreError` and leaves the store as it was.
        """
        target = self.path(name)
        if target.exists() and not overwrite:
            raise StoreError(f"a model named {name!r} already exists; choose another name or delete it")
        tmp = None
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.home))
            tmp.chmod(0o755)
            vectors.save(tmp)
            _pause_for_tests()
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
            _fsync_files(tmp)
            _pause_for_tests()
            self._rename_into_place(tmp, target, name, overwrite)
        except OSError as exc:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(disk_message(exc, f"saving model {name!r}")) from None
        except BaseException:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    def _rename_into_place(self, tmp: Path, target: Path, name: str, overwrite: bool) -> None:
        old = None
        if overwrite and target.exists():
            old = self.home / f".old-{name}-{uuid.uuid4().hex[:8]}"
            with contextlib.suppress(OSError):
                os.utime(target)  # dates the move aside, so clean() spares it while this save runs
            os.rename(target, old)
            _pause_for_tests()
        try:
            # Renaming a folder onto an existing non-empty one fails: a model of this name that
            # another process saved meanwhile is refused here, not replaced.
            os.rename(tmp, target)
        except OSError as exc:
            if old is not None:
                os.rename(old, target)  # put the old model back; if even that fails, clean() will
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                raise StoreError(f"a model named {name!r} already exists; choose another name or "
                                 "delete it") from None
            raise
        fsync_dir(self.home)
        _pause_for_tests()
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def update_meta(self, name: str, **fields) -> dict:
        """Merge ``fields`` into a model's ``meta.json`` (atomically) and return the new meta."""
        meta = self.meta(name)
        meta.update(fields)
        meta.pop("name", None)
        try:
            _write_json(self.path(name) / META_FILE, meta)
        except OSError as exc:
            raise StoreError(disk_message(exc, f"updating model {name!r}")) from None
        meta["name"] = name
        return meta

    def delete(self, name: str) -> None:
        target = self.path(name)
        if not target.exists():
            raise StoreError(self._missing(name))
        # Rename first, so the model disappears from the list at once even if removal is slow.
        trash = self.home / f".deleted-{name}-{uuid.uuid4().hex[:8]}"
        try:
            os.rename(target, trash)
        except OSError as exc:
            raise StoreError(disk_message(exc, f"deleting model {name!r}")) from None
        shutil.rmtree(trash, ignore_errors=True)

    def rename(self, old: str, new: str) -> None:
        source, target = self.path(old), self.path(new)
        if not self.exists(old):
            raise StoreError(self._missing(old))
        if target.exists():
            raise StoreError(f"a model named {new!r} already exists")
        try:
            os.rename(source, target)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):  # saved by another process meanwhile
                raise StoreError(f"a model named {new!r} already exists") from None
            raise StoreError(disk_message(exc, f"renaming model {old!r} to {new!r}")) from None
        fsync_dir(self.home)

    def cache_dir(self, name: str) -> Path:
        """The folder where a model's derived results (projections) are cached.

        Created if possible; where it cannot be (a full disk), the cache writer only warns.
        """
        path = self.path(name) / PROJECTIONS_DIR
        try:
            path.mkdir(exist_ok=True)
        except OSError:
            pass
        return path

    # -- consistency -----------------------------------------------------------------------------
    def check(self) -> list[str]:
        """What is wrong with the listed models, one line each; an empty list when all are whole.

        Every listed model must load (``vocab.json`` readable, ``vectors.npy`` complete, as many
        rows as words) and match its ``meta.json`` (``words`` and ``dim``). Matrices are memory-mapped,
        so checking a large store reads little. Leftovers of interrupted writes are never listed and
        are not problems: see :meth:`leftovers` and :meth:`clean`.
        """
        problems = []
        for name in self.names():
            problem = _model_problem(self.home / name)
            if problem:
                problems.append(f"model {name!r}: {problem}")
        return problems

    def leftovers(self) -> list[str]:
        """Names of the hidden folders that interrupted writes left (``.tmp-``, ``.old-``, ``.deleted-``)."""
        if not self.home.is_dir():
            return []
        return sorted(entry.name for entry in self.home.iterdir()
                      if entry.name.startswith(LEFTOVER_PREFIXES) and entry.is_dir())

    def clean(self, older_than: float = 0.0) -> list[str]:
        """Tidy what interrupted writes left behind; return the names of the folders dealt with.

        A model whose replacement was interrupted (moved aside as ``.old-<name>-...``, the new one
        never renamed in) is put back under its name if it is whole; every other leftover is removed.
        ``older_than`` (seconds) spares leftovers written to more recently, which may belong to a
        save still running in another process.
        """
        dealt = []
        for entry_name in self.leftovers():
            entry = self.home / entry_name
            if older_than and _age(entry) < older_than:
                continue
            match = _OLD_PATTERN.match(entry_name)
            if match and NAME_PATTERN.match(match.group(1)) and not (self.home / match.group(1)).exists() \
                    and _model_problem(entry) is None:
                try:
                    os.rename(entry, self.home / match.group(1))
                    dealt.append(entry_name)
                    continue
                except OSError:
                    pass
            shutil.rmtree(entry, ignore_errors=True)
            dealt.append(entry_name)
        return dealt

    # -- the demo model --------------------------------------------------------------------------
    def ensure_demo(self) -> bool:
        """Install the bundled ``demo`` model on first use; return True if it was installed now.

        A marker file remembers the installation, so a user who deletes the demo keeps it deleted
        (``python -m embedviz demo`` brings it back). Called by the app and the CLI before anything
        else, it also tidies leftovers of interrupted writes that are :data:`STALE_SECONDS` old. A
        demo that cannot be installed (a full disk) is a warning: the app still opens, and the next
        start tries again.
        """
        self.clean(older_than=STALE_SECONDS)
        if (self.home / _DEMO_MARKER).exists() or self.exists(DEMO_NAME):
            return False
        try:
            self.install_demo()
        except StoreError as exc:
            warnings.warn(f"the demo model was not installed: {exc}", stacklevel=2)
            return False
        return True

    def install_demo(self) -> None:
        if not (DEMO_SOURCE / META_FILE).is_file():
            raise StoreError(f"the bundled demo model is missing from {DEMO_SOURCE}")
        with open(DEMO_SOURCE / META_FILE, encoding="utf-8") as f:
            meta = json.load(f)
        self.save(DEMO_NAME, Vectors.load(DEMO_SOURCE), meta, overwrite=True)
        # Its first maps ship with it (embedviz.training.demo.DEMO_MAPS): a cache, copied if it can be.
        with contextlib.suppress(OSError):
            for cached in sorted((DEMO_SOURCE / PROJECTIONS_DIR).glob("*.npz")):
                shutil.copyfile(cached, self.cache_dir(DEMO_NAME) / cached.name)
        try:
            (self.home / _DEMO_MARKER).write_text(now() + "\n")
        except OSError:
            pass  # only the memory that the demo was installed is lost; the model is whole


def _write_json(path: Path, data: dict) -> None:
    """``meta.json`` and the jobs' JSON files: atomic (see :mod:`embedviz.core.atomic`)."""
    write_json(path, data, default=_json_default)


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in meta.json")


def _model_problem(folder: Path) -> str | None:
    """What is wrong with the model in ``folder`` (one line), or None if it is whole."""
    try:
        with open(folder / META_FILE, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as exc:
        return f"unreadable meta.json ({exc})"
    if not isinstance(meta, dict):
        return "meta.json does not hold an object"
    try:
        vectors = Vectors.load(folder, mmap=True)
    except (EmbedvizError, KeyError, TypeError) as exc:
        return f"the vectors do not load ({exc})"
    for field, actual in (("words", len(vectors)), ("dim", vectors.dim)):
        if field in meta and meta[field] != actual:
            return f"meta.json says {field} = {meta[field]} but the vectors have {actual}"
    return None


def _fsync_files(folder: Path) -> None:
    """Flush every file of a model folder to disk before the rename makes it visible."""
    for path in folder.iterdir():
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_dir(folder)


def _age(folder: Path) -> float:
    """Seconds since ``folder`` or a file in it was last modified."""
    newest = 0.0
    try:
        for path in [folder, *folder.iterdir()]:
            newest = max(newest, path.stat().st_mtime)
    except OSError:
        pass  # removed meanwhile: what was read so far decides
    return time.time() - newest


def _pause_for_tests() -> None:
    seconds = os.environ.get(SAVE_PAUSE_VARIABLE)
    if seconds:
        try:
            time.sleep(float(seconds))
        except ValueError:
            pass
