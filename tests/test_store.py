"""The store: atomic writes, names that cannot escape, the demo model."""

import json
import os

import numpy as np
import pytest

from embedviz.errors import StoreError
from embedviz.store import Store, check_name
from embedviz.vectors import Vectors


def _vectors(n=5, dim=3, seed=0):
    rng = np.random.default_rng(seed)
    return Vectors([f"w{i}" for i in range(n)], rng.normal(size=(n, dim)), list(range(n, 0, -1)))


def test_save_load_list_delete(store):
    vectors = _vectors()
    store.save("alpha", vectors, {"trainer": "test"})
    loaded = store.load("alpha")
    assert loaded.words == vectors.words
    np.testing.assert_array_equal(loaded.matrix, vectors.matrix)
    np.testing.assert_array_equal(loaded.counts, vectors.counts)
    assert store.load("alpha", mmap=True).matrix.shape == (5, 3)
    meta = store.meta("alpha")
    assert meta["name"] == "alpha" and meta["words"] == 5 and meta["dim"] == 3 and meta["trainer"] == "test"
    assert "created" in meta
    assert [m["name"] for m in store.list()] == ["alpha"]
    store.delete("alpha")
    assert store.names() == []
    with pytest.raises(StoreError, match="no model named 'alpha'"):
        store.load("alpha")


def test_existing_name_is_refused_unless_overwrite(store):
    store.save("alpha", _vectors(seed=0))
    with pytest.raises(StoreError, match="already exists"):
        store.save("alpha", _vectors(seed=1))
    np.testing.assert_array_equal(store.load("alpha").matrix, _vectors(seed=0).matrix)
    store.save("alpha", _vectors(seed=1), overwrite=True)
    np.testing.assert_array_equal(store.load("alpha").matrix, _vectors(seed=1).matrix)
    assert [e.name for e in store.home.iterdir() if e.name.startswith(".")] == []


def test_failed_write_leaves_nothing_listed(store, monkeypatch):
    store.save("keep", _vectors())

    def crash(self, folder):
        (folder / "vectors.npy").write_bytes(b"half")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Vectors, "save", crash)
    with pytest.raises(RuntimeError):
        store.save("broken", _vectors())
    with pytest.raises(RuntimeError):
        store.save("keep", _vectors(seed=3), overwrite=True)
    monkeypatch.undo()
    assert store.names() == ["keep"]
    np.testing.assert_array_equal(store.load("keep").matrix, _vectors().matrix)
    assert not any(e.name.startswith(".tmp-") for e in store.home.iterdir())


def test_half_written_folder_is_not_listed(store):
    store.save("good", _vectors())
    (store.home / ".tmp-crashed").mkdir()
    (store.home / "nometa").mkdir()
    np.save(store.home / "nometa" / "vectors.npy", np.zeros((2, 2)))
    assert store.names() == ["good"]
    assert store.clean() == [".tmp-crashed"]


def test_update_meta_and_rename(store):
    store.save("alpha", _vectors())
    store.update_meta("alpha", scores={"x": 1.0})
    assert store.meta("alpha")["scores"] == {"x": 1.0}
    store.rename("alpha", "beta")
    assert store.names() == ["beta"] and store.meta("beta")["scores"] == {"x": 1.0}
    store.save("gamma", _vectors())
    with pytest.raises(StoreError, match="already exists"):
        store.rename("beta", "gamma")
    with pytest.raises(StoreError, match="no model named 'nope'"):
        store.rename("nope", "delta")


@pytest.mark.parametrize("name", ["", "../evil", "a/b", ".hidden", "..", "a..b", "x" * 65, "with space",
                                  "/abs", "tab\tname", None, 5, "-dash"])
def test_invalid_names(store, name):
    with pytest.raises(StoreError, match="invalid model name"):
        check_name(name)
    with pytest.raises(StoreError, match="invalid model name"):
        store.save(name, _vectors())


@pytest.mark.parametrize("name", ["demo", "kjv-word2vec", "model_2.v1", "A"])
def test_valid_names(name):
    assert check_name(name) == name


def test_demo_is_installed_once(store):
    assert store.ensure_demo() is True
    assert store.names() == ["demo"]
    demo = store.load("demo")
    assert len(demo) > 10_000 and demo.dim == 100
    assert store.meta("demo")["parameters"]["seed"] == 1
    assert store.ensure_demo() is False
    store.delete("demo")
    assert store.ensure_demo() is False  # a deleted demo stays deleted
    store.install_demo()
    assert store.names() == ["demo"]


def test_unreadable_meta_is_skipped_in_list(store):
    store.save("alpha", _vectors())
    store.save("beta", _vectors())
    (store.path("beta") / "meta.json").write_text("{broken", encoding="utf-8")
    assert [m["name"] for m in store.list()] == ["alpha"]
    with pytest.raises(StoreError, match="unreadable meta.json"):
        store.meta("beta")


def test_vectors_are_never_unpickled(store):
    store.save("alpha", _vectors())
    # An object array can only be read with pickle; it must be refused, not loaded.
    np.save(store.path("alpha") / "vectors.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(Exception, match="pickle|cannot read"):
        store.load("alpha")


def test_default_home_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDVIZ_HOME", str(tmp_path / "elsewhere"))
    assert Store().home == tmp_path / "elsewhere"
