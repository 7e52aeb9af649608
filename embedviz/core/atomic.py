"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every file a user's work depends on (a model's ``meta.json``, a job's ``status.json`` and
``result.json``, an upload, a cached projection) is written through :func:`atomic_file`: into a
hidden temporary file beside its final name, flushed and fsynced, then renamed over it with
``os.replace`` (one step on POSIX and Windows). A process killed midway, or a write that fails
because the disk is full, leaves the old file as it was and at most a hidden ``.part`` file.

>>> with atomic_file(folder / "coords.npz") as f:          # doctest: +SKIP
...     np.savez(f, coords=coords)
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import uuid
from pathlib import Path

PART_SUFFIX = ".part"


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None):
    """Yield a file to write ``path``'s new content into; it replaces ``path`` on a clean exit.

    ``mode`` is ``"wb"`` or ``"w"`` (text, UTF-8 unless ``encoding``). On any exception the
    temporary file is removed, ``path`` is untouched and the exception propagates (an ``OSError``
    with ``errno.ENOSPC`` for a full disk: :func:`disk_message` words it for the user).
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_file writes whole files: mode 'wb' or 'w', not {mode!r}")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{PART_SUFFIX}")
    if mode == "w" and encoding is None:
        encoding = "utf-8"
    try:
        with open(tmp, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())  # the content is on disk before the name points to it
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_json(path: str | os.PathLike, data, default=None) -> None:
    """Write ``data`` as indented UTF-8 JSON to ``path`` atomically (see :func:`atomic_file`)."""
    with atomic_file(path, "w") as f:
        json.dump(data, f, indent=2, ensure_ascii=False, default=default)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_file`)."""
    with atomic_file(path, "wb") as f:
        f.write(data)


def fsync_dir(path: str | os.PathLike) -> None:
    """Make a rename inside folder ``path`` durable (best effort: not every system allows it)."""
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


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_message(exc: OSError, action: str) -> str:
    """One line for a failed write: ``action`` says what was being done, e.g. "saving model 'x'"."""
    if exc.errno == errno.ENOSPC:
        return f"the disk is full: {action} failed and nothing was changed; free some space and try again"
    if exc.errno == errno.EDQUOT:
        return (f"the disk quota is used up: {action} failed and nothing was changed; "
                "free some space and try again")
    return f"{action} failed: {exc.strerror or exc}"
