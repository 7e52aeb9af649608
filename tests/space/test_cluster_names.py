"""Clusters are named by the words that distinguish them, not by stop words; the map labels them first."""

import numpy as np

from embedviz.space.clusters import kmeans, label_order, name_rows
from embedviz.text.stopwords import STOP_WORDS
from embedviz.vectors.vectors import Vectors


def test_names_are_distinctive_words_as_defined(demo_vectors):
    top = demo_vectors.top(3000)
    found = kmeans(top, 10, seed=0)
    unit, labels = top.unit, found.labels
    centres = np.stack([unit[labels == c].sum(axis=0) for c in range(10)])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    cos = unit @ centres.T
    own = cos[np.arange(len(labels)), labels]
    cos[np.arange(len(labels)), labels] = -np.inf
    score = (own - cos.max(axis=1)) * np.log1p(top.counts)
    for c, rows in enumerate(found.name_rows):
        members = [i for i in np.flatnonzero(labels == c) if top.words[i] not in STOP_WORDS]
        best = sorted(members, key=lambda i: -score[i])[:3]
        np.testing.assert_allclose(score[rows], score[best], rtol=1e-4)
        assert not any(top.words[r] in STOP_WORDS for r in rows)
    # before: the most frequent words, about half of them stop words
    frequent = [w for c in range(10) for w in [top.words[i] for i in np.flatnonzero(labels == c)[:3]]]
    assert sum(w in STOP_WORDS for w in frequent) >= 8


def test_stop_words_switch_and_label_order(demo_vectors):
    top = demo_vectors.top(2000)
    # two clusters; "the" is the most distinctive word of the first, and is left out unless asked
    words = ["the", "king", "queen", "bread", "wine", "cheese"]
    matrix = [[1, 0], [0.9, 0.3], [0.8, 0.4], [0, 1], [0.2, 0.9], [0.3, 0.8]]
    tiny = Vectors(words, matrix, [100, 50, 40, 30, 20, 10])
    labels = np.array([0, 0, 0, 1, 1, 1])
    assert name_rows(tiny, labels, 2, 1, stop_words=True) == [[0], [3]]
    assert name_rows(tiny, labels, 2, 1) == [[1], [3]]
    only_stop = Vectors(["the", "and", "bread"], [[1, 0], [0.9, 0.1], [0, 1]], [9, 8, 7])
    assert name_rows(only_stop, np.array([0, 0, 1]), 2, 2) == [[0, 1], [2]]   # nothing else to name it by
    found = kmeans(top, 6, seed=0)
    order = label_order(found, top.words)
    assert order[:6] == [rows[0] for rows in found.name_rows]
    assert len(set(order)) == len(order) and not any(top.words[i] in STOP_WORDS for i in order)
    everything = label_order(found, top.words, stop_words=True)
    assert sorted(everything) == list(range(len(top.words)))
