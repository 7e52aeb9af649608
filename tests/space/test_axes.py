"""Typed axes: scores are cosines with the weighted sum of unit vectors (as numpy computes them);
bad axes get the Analogies page's messages."""

import numpy as np
import pytest

from embedviz.core.errors import EmbedvizError, ExpressionError, UnknownWordError
from embedviz.space.analogy import solve
from embedviz.space.axes import axis, axis_map, axis_scores
from embedviz.space.neighbours import Neighbour
from embedviz.vectors.vectors import Vectors


def direction(vectors, terms):
    d = sum(w * vectors.unit[vectors.index[x]] for x, w in terms)
    return d / np.linalg.norm(d)


def test_scores_equal_numpy(demo_vectors):
    scores = axis_scores(demo_vectors, "woman - man", top=3000)
    expected = demo_vectors.unit[:3000] @ direction(demo_vectors, [("woman", 1), ("man", -1)])
    got = {s.word: s.score for s in scores}
    np.testing.assert_allclose([got[w] for w in demo_vectors.words[:3000]], expected, atol=1e-6)
    assert [s.score for s in scores] == sorted((s.score for s in scores), reverse=True)
    assert scores[0].word == "woman" and scores[-1].word == "man"


def test_weights_and_a_typed_list(demo_vectors):
    words = ["queen", "king", "maid", "soldier", "Nurse"]
    scores = axis_scores(demo_vectors, "2*woman - man + 0.5*she", words=words)
    d = direction(demo_vectors, [("woman", 2), ("man", -1), ("she", 0.5)])
    expected = sorted(((w.lower(), float(demo_vectors.unit[demo_vectors.index[w.lower()]] @ d)) for w in words),
                      key=lambda x: -x[1])
    assert [s.word for s in scores] == [w for w, _ in expected]
    np.testing.assert_allclose([s.score for s in scores], [s for _, s in expected], atol=1e-6)


def test_a_map_has_both_cosines_and_its_ends(demo_vectors):
    found = axis_map(demo_vectors, "woman - man", "good - evil", top=2000)
    dx, dy = direction(demo_vectors, [("woman", 1), ("man", -1)]), direction(demo_vectors, [("good", 1), ("evil", -1)])
    np.testing.assert_allclose(found.coords, np.column_stack([demo_vectors.unit[:2000] @ dx,
                                                              demo_vectors.unit[:2000] @ dy]), atol=1e-6)
    ends = found.ends("y", 3)
    assert ends["high"][0].word == "good" and ends["low"][0].word == "evil"
    assert ends["high"][0].score >= ends["high"][1].score >= ends["high"][2].score
    assert -1 <= found.correlation <= 1 and found.correlation == pytest.approx(
        np.corrcoef(found.coords[:, 0], found.coords[:, 1])[0, 1])


def test_an_unknown_word_is_the_analogies_message(demo_vectors):
    with pytest.raises(UnknownWordError) as on_analogies:
        solve(demo_vectors, "womann - man")
    with pytest.raises(UnknownWordError) as on_axes:
        axis_scores(demo_vectors, "womann - man", top=100)
    assert str(on_axes.value) == str(on_analogies.value) and "\n" not in str(on_axes.value)
    with pytest.raises(UnknownWordError, match="zzqx"):
        axis_scores(demo_vectors, "woman - man", words=["king", "zzqx"])


def test_bad_axes_are_one_line(demo_vectors):
    with pytest.raises(ExpressionError, match="weight 0"):
        axis(demo_vectors, "king - king + 0*man")
    twins = Vectors(["a", "b", "c"], [[1, 0], [1, 0], [0, 1]])
    with pytest.raises(ExpressionError, match="'a - b' has no direction"):
        axis(twins, "a - b")
    with pytest.raises(ExpressionError, match="ends with an operator"):
        axis(demo_vectors, "woman -")
    with pytest.raises(EmbedvizError, match="word list is empty"):
        axis_scores(demo_vectors, "woman - man", words=[])


def test_a_ranking_indexes_like_a_list_of_neighbours(demo_vectors):
    scores = axis_scores(demo_vectors, "good - evil", top=500)
    listed = list(scores)
    assert len(listed) == len(scores) == 500 and all(isinstance(n, Neighbour) for n in listed)
    assert scores[-1] == listed[-1] and scores[:5] == listed[:5] and scores[-3:] == listed[-3:]
    assert scores.to_records() == [n._asdict() for n in listed]
    assert [n.word for n in listed] == scores.words and isinstance(listed[0].score, float)
