"""The store: atomic writes, names that cannot escape, the demo model."""

import os
import time

import numpy as np
import pytest

from embedviz.core.errors import StoreError
from embedviz.vectors.store import Store, check_name
from embedviz.vectors.vectors import Vectors


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


# -- consistency: check() and clean() ----------------------------------------------------------------
def test_check_passes_on_whole_models_and_names_each_broken_one(store):
    store.save("alpha", _vectors())
    store.save("beta", _vectors(n=7))
    store.save("gamma", _vectors())
    store.save("delta", _vectors())
    assert store.check() == []
    vectors_file = store.path("beta") / "vectors.npy"
    vectors_file.write_bytes(vectors_file.read_bytes()[:-20])  # a torn matrix
    store.update_meta("gamma", dim=4)                          # meta that does not match the files
    (store.path("delta") / "vocab.json").unlink()
    problems = store.check()
    assert len(problems) == 3
    assert problems[0].startswith("model 'beta': the vectors do not load")
    assert problems[1].startswith("model 'delta': the vectors do not load")
    assert problems[2] == "model 'gamma': meta.json says dim = 4 but the vectors have 3"
    assert all("\n" not in p for p in problems)


def test_clean_puts_back_a_model_whose_replacement_was_interrupted(store):
    store.save("alpha", _vectors(seed=1))
    store.save("beta", _vectors(seed=2))
    store.save("gamma", _vectors(seed=3))
    # What a process killed between the two renames of an overwrite leaves: the old model aside,
    # the new one still in its temporary folder.
    os.rename(store.path("alpha"), store.home / ".old-alpha-0123abcd")
    (store.home / ".tmp-killed").mkdir()
    # A replacement that finished but was killed while deleting the old copy: not put back.
    store.path("beta").rename(store.home / ".old-beta-89abcdef")
    store.save("beta", _vectors(seed=4))
    # An old copy half deleted, whose model was deleted since: not resurrected.
    store.path("gamma").rename(store.home / ".old-gamma-deadbeef")
    (store.home / ".old-gamma-deadbeef" / "vectors.npy").unlink()
    assert store.names() == ["beta"]
    assert store.leftovers() == [".old-alpha-0123abcd", ".old-beta-89abcdef", ".old-gamma-deadbeef",
                                 ".tmp-killed"]

    assert sorted(store.clean()) == [".old-alpha-0123abcd", ".old-beta-89abcdef", ".old-gamma-deadbeef",
                                     ".tmp-killed"]
    assert store.names() == ["alpha", "beta"] and store.leftovers() == []
    np.testing.assert_array_equal(store.load("alpha").matrix, _vectors(seed=1).matrix)
    np.testing.assert_array_equal(store.load("beta").matrix, _vectors(seed=4).matrix)
    assert store.check() == []


def test_clean_spares_leftovers_a_running_save_may_still_be_writing(store):
    (store.home / ".tmp-running").mkdir(parents=True)
    (store.home / ".tmp-running" / "vectors.npy").write_bytes(b"being written")
    (store.home / ".tmp-abandoned").mkdir()
    old = time.time() - 3600
    os.utime(store.home / ".tmp-abandoned", (old, old))
    assert store.clean(older_than=600) == [".tmp-abandoned"]
    assert store.leftovers() == [".tmp-running"]
    assert store.ensure_demo() is True  # the app's start tidies stale leftovers only
    assert store.leftovers() == [".tmp-running"]


def test_a_model_saved_meanwhile_by_another_process_is_refused_not_replaced(store, monkeypatch):
    real_save = Vectors.save
    raced = []

    def save_while_another_process_saves(self, folder):
        real_save(self, folder)
        if not raced:  # the other process finishes its save of the same name first
            raced.append(True)
            Store(store.home).save("x", _vectors(seed=9), {"by": "the other process"})

    monkeypatch.setattr(Vectors, "save", save_while_another_process_saves)
    with pytest.raises(StoreError, match="^a model named 'x' already exists"):
        store.save("x", _vectors(seed=1))
    monkeypatch.undo()
    assert store.meta("x")["by"] == "the other process"
    np.testing.assert_array_equal(store.load("x").matrix, _vectors(seed=9).matrix)
    assert store.leftovers() == [] and store.check() == []
