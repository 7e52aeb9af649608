"""One on-disk cache of NumPy arrays, keyed by what produced them.

An entry is ``<folder>/<key>.npz``: the arrays plus a JSON ``meta`` holding the key itself, so a
file renamed or copied under another key is not mistaken for it. Entries are written atomically
(:mod:`embedviz.core.atomic`) and read with ``allow_pickle=False``; an entry that is missing,
damaged or someone else's reads as *absent* and is recomputed; a cache that cannot be written is
a warning, never an error (the result is still returned).

>>> key = cache_key({"method": "pca", "vectors": "3f2a..."})
>>> arrays, meta, cached = file_cache_value("cache", key, lambda: ({"coords": xy}, {"seconds": 1.2}))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from embedviz.core.atomic import atomic_file

Arrays = dict[str, np.ndarray]


def cache_key(material) -> str:
    """sha256 of ``material`` (anything JSON can write) with sorted keys."""
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def entry_path(folder: str | os.PathLike, key: str) -> Path:
    return Path(folder) / f"{key}.npz"


def read_entry(folder: str | os.PathLike, key: str) -> tuple[Arrays, dict] | None:
    """The arrays and meta stored under ``key``, or None (absent, unreadable or another key's)."""
    path = entry_path(folder, key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files if name != "meta"}
            meta = json.loads(str(stored["meta"]))
    except Exception:  # noqa: BLE001 - a damaged cache file is recomputed, whatever the damage
        return None
    if not isinstance(meta, dict) or meta.get("key") != key:
        return None
    return arrays, meta


def write_entry(folder: str | os.PathLike, key: str, arrays: Arrays, meta: dict, label: str = "cache") -> None:
    """Store ``arrays`` and ``meta`` under ``key`` (atomically; a failed write only warns, naming
    the ``label`` of the cache: "could not write the projection cache ...")."""
    path = entry_path(folder, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as f:
            np.savez(f, **arrays, meta=np.array(json.dumps({**meta, "key": key})))
    except OSError as exc:
        warnings.warn(f"could not write the {label} {path}: {exc}", stacklevel=3)


def file_cache_value(folder: str | os.PathLike, key: str, compute: Callable[[], tuple[Arrays, dict]],
                     label: str = "cache") -> tuple[Arrays, dict, bool]:
    """Read ``key`` through the cache: the stored entry, or ``compute()`` stored and returned.

    The third value says whether it came from the cache.
    """
    found = read_entry(folder, key)
    if found is not None:
        return found[0], found[1], True
    arrays, meta = compute()
    write_entry(folder, key, arrays, meta, label)
    return arrays, meta, False
