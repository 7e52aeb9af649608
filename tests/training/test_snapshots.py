"""Snapshots of the space after every epoch: one per epoch, the last equal to the saved vectors,
stored beside the model, and the evolution aligned to the final epoch."""

import json

import numpy as np
import pytest

from embedviz.space.evolution import evolution
from embedviz.training.gensim import TrainingParameters, train
from embedviz.training.sgns import SGNSParameters, train_sgns
from embedviz.text.corpus import Corpus
from embedviz.vectors.snapshots import SNAPSHOTS_FILE, NoSnapshots, Snapshots
from embedviz.vectors.vectors import Vectors


@pytest.fixture(scope="module")
def trained(tiny_corpus):
    return train(Corpus(tiny_corpus), TrainingParameters(dim=20, epochs=4, min_count=3, workers=1, snapshots=300))


def test_one_snapshot_per_epoch_the_last_equal_to_the_saved_vectors(trained, store):
    snaps = trained.snapshots
    assert snaps.matrices.shape == (4, 300, 20) and snaps.matrices.dtype == np.float16
    assert snaps.words == trained.vectors.words[:300]
    np.testing.assert_array_equal(snaps.matrices[-1], trained.vectors.matrix[:300].astype(np.float16))
    assert not np.array_equal(snaps.matrices[0], snaps.matrices[-1])   # training moved them
    assert snaps.losses == [h.loss for h in trained.history] and all(x > 0 for x in snaps.losses)
    meta = trained.meta()["snapshots"]
    assert {k: meta[k] for k in ("words", "epochs", "bytes")} == {"words": 300, "epochs": 4, "bytes": 4 * 300 * 20 * 2}
    assert 0 < meta["seconds"] < trained.timings["training"]

    store.save("run", trained.vectors, trained.meta(), extra=trained.files())
    loaded = Snapshots.load(store.path("run"))
    np.testing.assert_array_equal(loaded.matrices, snaps.matrices)
    assert loaded.words == snaps.words and loaded.losses == snaps.losses
    stored = Vectors.load(store.path("run"))
    np.testing.assert_array_equal(loaded.matrices[-1], stored.matrix[:300].astype(np.float16))


def test_without_snapshots_the_message_says_how(tiny_corpus, store):
    plain = train(Corpus(tiny_corpus), TrainingParameters(dim=10, epochs=1, min_count=3, workers=1))
    assert plain.snapshots is None and plain.files() == {} and "snapshots" not in plain.meta()
    store.save("plain", plain.vectors, plain.meta())
    with pytest.raises(NoSnapshots, match="trained without snapshots: train it again"):
        Snapshots.load(store.path("plain"), model="model 'plain'")


def test_damaged_snapshots_are_refused(trained, store):
    store.save("run", trained.vectors, trained.meta(), extra=trained.files())
    folder = store.path("run")
    meta = json.loads((folder / "snapshots.json").read_text())
    (folder / "snapshots.json").write_text(json.dumps({**meta, "words": meta["words"][:10]}))
    with pytest.raises(NoSnapshots, match="do not match"):
        Snapshots.load(folder)
    with open(folder / SNAPSHOTS_FILE, "wb") as f:
        np.save(f, np.array([{"a": 1}], dtype=object), allow_pickle=True)   # would need unpickling
    with pytest.raises(NoSnapshots, match="cannot be read"):
        Snapshots.load(folder)


def test_fasttext_and_torch_sgns_take_snapshots(tiny_corpus):
    fast = train(Corpus(tiny_corpus), TrainingParameters(algo="fasttext", dim=12, epochs=2, min_count=3,
                                                         workers=1, bucket=2000, snapshots=100))
    assert fast.snapshots.matrices.shape == (2, 100, 12)
    # FastText composes a word's vector from its n-grams at the end; the snapshot composes it the same way
    np.testing.assert_allclose(fast.snapshots.matrices[-1].astype(np.float32), fast.vectors.matrix[:100], atol=2e-3)
    sgns = train_sgns(Corpus(tiny_corpus), SGNSParameters(dim=12, epochs=3, min_count=3, compile=False,
                                                          threads=1, snapshots=100))
    assert sgns.snapshots.matrices.shape == (3, 100, 12) and sgns.snapshots.words == sgns.vectors.words[:100]
    np.testing.assert_array_equal(sgns.snapshots.matrices[-1], sgns.vectors.matrix[:100].astype(np.float16))


def test_evolution_aligns_each_epoch_to_the_final_one(trained):
    found = evolution(trained.snapshots)
    assert found.coords.shape == (4, 300, 2) and found.epochs == 4
    assert np.abs(found.shift_to_final[-1]).max() < 1e-5
    assert np.median(found.shift_to_final[0]) > np.median(found.shift_to_final[2])   # it settles
    # A snapshot rotated as a whole is the same space: aligned, it has not moved.
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(20, 20)))
    final = trained.snapshots.matrices[-1].astype(np.float32)
    turned = Snapshots(trained.snapshots.words, np.stack([(final @ q).astype(np.float16), final.astype(np.float16)]),
                       [1.0, 0.5])
    assert np.abs(evolution(turned).shift_to_final).max() < 2e-3
    # neighbours per epoch are among the kept words, the word itself left out
    word = found.words[10]
    near = found.neighbours(word, 4, k=5)
    unit = found.aligned[3]
    expected = np.argsort(-(unit @ unit[10]), kind="stable")
    assert [n.word for n in near] == [found.words[i] for i in expected if i != 10][:5]
    data = found.to_dict([word], k=3)
    assert [e["epoch"] for e in data["epochs"]] == [1, 2, 3, 4]
    assert data["epochs"][-1]["words"][word]["shift_to_final"] == pytest.approx(0, abs=1e-5)
