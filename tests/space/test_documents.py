"""Documents as vectors: the mean and SIF vectors equal a plain computation, the nearest documents
equal scikit-learn's, and documents of one label lie together on both bundled corpora."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from embedviz.core.errors import EmbedvizError
from embedviz.space.documents import SIF_A, document_map, document_vectors
from embedviz.text.corpus import Corpus
from embedviz.text.specs import BUNDLED


@pytest.fixture(scope="module")
def kjv():
    return Corpus(BUNDLED["kjv"].paths, label_columns=["testament", "group"])


@pytest.fixture(scope="module")
def shakespeare():
    return Corpus(BUNDLED["shakespeare"].paths, label_columns=["genre", "work"])


def plain(vectors, corpus, n, sif):
    """The first ``n`` documents' vectors, word by word."""
    p = vectors.counts / vectors.counts.sum()
    out = []
    for document, sentences in corpus.document_sentences():
        known = [vectors.index[t] for s in sentences for t in s if t in vectors.index]
        if not known:
            continue
        weights = np.array([SIF_A / (SIF_A + p[i]) if sif else 1.0 for i in known])
        out.append((weights[:, None] * vectors.unit[known]).sum(axis=0) / len(known))
        if len(out) == n:
            break
    return np.array(out)


def test_mean_and_sif_vectors_equal_a_plain_computation(demo_vectors, tiny_corpus):
    corpus = Corpus(tiny_corpus)
    mean = document_vectors(demo_vectors, corpus, "mean")
    np.testing.assert_allclose(mean.matrix[:200], plain(demo_vectors, corpus, 200, False), atol=1e-5)
    sif = document_vectors(demo_vectors, corpus, "sif")
    weighted = plain(demo_vectors, corpus, len(sif), True)
    u = np.linalg.svd(weighted, full_matrices=False)[2][0]
    np.testing.assert_allclose(sif.matrix, weighted - np.outer(weighted @ u, u), atol=1e-5)
    assert mean.names[0] == "kjv3000.csv #1" and mean.texts[0].startswith("In the beginning")


def test_nearest_documents_equal_scikit_learns(demo_vectors, tiny_corpus):
    docs = document_vectors(demo_vectors, Corpus(tiny_corpus), limit=800)
    assert len(docs) == 800
    found = docs.nearest(17, k=6)
    expected = NearestNeighbors(n_neighbors=7, metric="cosine").fit(docs.matrix).kneighbors(docs.matrix[17:18])
    assert [n.word for n in found] == [docs.names[j] for j in expected[1][0][1:]]
    np.testing.assert_allclose([n.score for n in found], 1 - expected[0][0][1:], atol=1e-5)


# "well above chance": a gain of 10 or 5 points for a label with few values (chance is high), twice
# chance for one with many (measured on all documents: 0.81 / 0.62, 0.45 / 0.15, 0.40 / 0.28, 0.12 / 0.03)
@pytest.mark.parametrize("corpus_name, column, gain, ratio", [
    ("kjv", "testament", 0.10, 1.0), ("kjv", "group", 0.0, 2.0), ("shakespeare", "genre", 0.05, 1.0),
    ("shakespeare", "work", 0.0, 2.0)])
def test_documents_of_one_label_lie_together(demo_vectors, request, corpus_name, column, gain, ratio):
    docs = document_vectors(demo_vectors, request.getfixturevalue(corpus_name), limit=4000)
    agreement, chance = docs.label_agreement(column)
    # chance: the label shares squared and summed (a neighbour picked at random)
    values = np.asarray(docs.labels[column])
    shares = np.unique(values, return_counts=True)[1] / len(values)
    assert chance == pytest.approx((shares ** 2).sum())
    assert agreement > chance + gain and agreement > ratio * chance, (agreement, chance)


def test_a_document_map_and_its_csv(demo_vectors, kjv, tmp_path):
    found = document_map(demo_vectors, kjv, "pca", 2, label_column="testament", limit=300)
    path = tmp_path / "docs.csv"
    found.to_csv(path)
    import csv

    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    assert len(rows) == 300 and list(rows[0]) == ["document", "label", "x", "y", "text"]
    assert {r["label"] for r in rows} == {"old", "new"} and len(rows[5]["text"]) <= 200
    np.testing.assert_allclose([float(r["x"]) for r in rows], found.projection.coords[:, 0], rtol=1e-4, atol=1e-6)
    with pytest.raises(EmbedvizError, match="not read with the label column 'genre'"):
        document_map(demo_vectors, kjv, label_column="genre", limit=100)
    with pytest.raises(EmbedvizError, match="no label column 'genre'"):
        found.documents.label_agreement("genre")
