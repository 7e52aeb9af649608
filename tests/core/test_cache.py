"""The on-disk array cache: read-through, atomic, never trusts a file that is not the entry."""

import os
import shutil

import numpy as np
import pytest

from embedviz.core.cache import cache_key, entry_path, file_cache_value, read_entry, write_entry


def test_key_depends_on_every_value_not_on_order():
    assert cache_key({"a": 1, "b": [2, 3]}) == cache_key({"b": [2, 3], "a": 1})
    assert cache_key({"a": 1, "b": [2, 3]}) != cache_key({"a": 1, "b": [3, 2]})


def test_read_through_computes_once(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"coords": np.arange(6, dtype=np.float32).reshape(3, 2)}, {"seconds": 1.5}

    key = cache_key({"x": 1})
    first, meta, cached = file_cache_value(tmp_path, key, compute)
    again, meta2, cached2 = file_cache_value(tmp_path, key, compute)
    assert (cached, cached2) == (False, True) and len(calls) == 1
    np.testing.assert_array_equal(first["coords"], again["coords"])
    assert again["coords"].dtype == np.float32
    assert meta2["seconds"] == 1.5 and meta2["key"] == key


def test_damaged_renamed_or_pickled_entries_read_as_absent(tmp_path):
    key, other = cache_key("one"), cache_key("two")
    write_entry(tmp_path, key, {"v": np.ones(3)}, {})
    # Copied under another key: its stored key disagrees, so it is not that entry.
    shutil.copy(entry_path(tmp_path, key), entry_path(tmp_path, other))
    assert read_entry(tmp_path, other) is None
    # Truncated.
    data = entry_path(tmp_path, key).read_bytes()
    entry_path(tmp_path, key).write_bytes(data[: len(data) // 2])
    assert read_entry(tmp_path, key) is None
    # An object array needs pickle, which is never allowed.
    with open(entry_path(tmp_path, key), "wb") as f:
        np.savez(f, v=np.array([{"a": 1}], dtype=object), meta=np.array('{"key": "%s"}' % key))
    assert read_entry(tmp_path, key) is None


def test_unwritable_cache_warns_and_still_returns(tmp_path):
    if os.geteuid() == 0:
        folder = tmp_path / "file-not-folder"
        folder.write_text("x")           # a folder that cannot be created, even for root
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
    with pytest.warns(UserWarning, match="could not write the cache"):
        arrays, _, cached = file_cache_value(folder, cache_key(1), lambda: ({"v": np.zeros(2)}, {}))
    assert not cached and arrays["v"].shape == (2,)


def test_first_imports_of_heavy_libraries_are_one_thread_at_a_time(monkeypatch):
    """embedviz.core.lazy.load: two threads importing a package for the first time at once can see
    it half-initialised (a server's first map failed so); under the lock they never overlap."""
    import threading
    import time as _time

    from embedviz.core import lazy

    inside, most = [0], [0]

    def slow_import(name):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        _time.sleep(0.05)
        inside[0] -= 1
        return name

    monkeypatch.setattr(lazy.importlib, "import_module", slow_import)
    threads = [threading.Thread(target=lazy.load, args=("sklearn.base",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1
    assert lazy.load("x") == "x"
