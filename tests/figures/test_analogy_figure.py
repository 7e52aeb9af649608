"""The picture of an analogy: its words in a PCA of their own neighbourhood, with the parallelogram."""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from embedviz.space.analogy import solve
from embedviz.figures.analogy import Parallelogram, analogy_figure, describe, local_pca, neighbourhood, parallelogram
from embedviz.vectors.vectors import Vectors


def points(figure) -> dict[str, tuple[float, float]]:
    """Every labelled point of the figure: word -> (x, y)."""
    found = {}
    for trace in figure.data:
        if trace.text is not None:
            for word, x, y in zip(trace.text, trace.x, trace.y):
                found[word] = (x, y)
    return found


def trace(figure, name):
    return next(t for t in figure.data if t.name == name)


def arrows(figure) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """``((tail x, tail y), (head x, head y))`` of each annotation drawn as an arrow."""
    return [((a.ax, a.ay), (a.x, a.y)) for a in figure.layout.annotations if a.showarrow]


@pytest.fixture(scope="module")
def king(demo_vectors):
    return solve(demo_vectors, "king - man + woman")


def test_the_words_and_the_answer_are_points(demo_vectors, king):
    figure = analogy_figure(demo_vectors, king)
    assert list(trace(figure, "inputs").text) == ["king", "man", "woman"]
    assert list(trace(figure, "answer").text) == ["queen"]
    context = list(trace(figure, "context").text)
    assert context and not {"king", "man", "woman", "queen"} & set(context)
    assert describe(king) in figure.layout.title.text


def test_two_arrows_man_to_woman_and_king_to_the_answer(demo_vectors, king):
    figure = analogy_figure(demo_vectors, king)
    at = points(figure)
    drawn = arrows(figure)
    assert len(drawn) == 2
    np.testing.assert_allclose(drawn[0], (at["man"], at["woman"]))
    np.testing.assert_allclose(drawn[1], (at["king"], at["queen"]))
    for annotation in figure.layout.annotations:
        assert annotation.axref == "x" and annotation.ayref == "y" and annotation.arrowhead


def test_pca_is_fitted_on_these_words_only(demo_vectors, king):
    words = neighbourhood(demo_vectors, king)
    expected = PCA(n_components=2).fit_transform(demo_vectors.unit[[demo_vectors.index[w] for w in words]])
    at = points(analogy_figure(demo_vectors, king))
    assert sorted(at) == sorted(words)
    for word, row in zip(words, expected):
        np.testing.assert_allclose(at[word], row, atol=1e-5)
    # PCA is affine, so the point a - b + c is exactly the parallelogram's fourth corner.
    corner = trace(analogy_figure(demo_vectors, king), "a - b + c")
    np.testing.assert_allclose((corner.x[0], corner.y[0]),
                               np.array(at["king"]) - at["man"] + at["woman"], atol=1e-5)


def test_the_neighbourhood_is_inputs_answer_then_a_few_neighbours_each(demo_vectors, king):
    words = neighbourhood(demo_vectors, king, context=3)
    assert words[:4] == ["king", "man", "woman", "queen"]
    assert len(words) == len(set(words)) == 4 + 4 * 3
    assert neighbourhood(demo_vectors, king, context=0) == ["king", "man", "woman", "queen"]


@pytest.mark.parametrize("expression, corners", [
    ("king - man + woman", Parallelogram("king", "man", "woman", "queen")),
    ("- man + king + woman", Parallelogram("king", "man", "woman", "queen")),
    ("father-son+daughter", Parallelogram("father", "son", "daughter", "mother")),
])
def test_parallelogram_corners(demo_vectors, expression, corners):
    assert parallelogram(solve(demo_vectors, expression)) == corners


@pytest.mark.parametrize("expression", ["king + woman", "king - man", "0.5*king - man + woman",
                                        "king - man + woman - boy", "king - man - woman", "king"])
def test_other_expressions_have_no_arrows(demo_vectors, expression):
    analogy = solve(demo_vectors, expression)
    figure = analogy_figure(demo_vectors, analogy)
    assert parallelogram(analogy) is None
    assert arrows(figure) == [] and not figure.layout.annotations
    assert [t.name for t in figure.data] == ["context", "inputs", "answer"]
    assert figure.layout.title.text == "Not of the form a - b + c: no parallelogram"


def test_an_input_word_as_the_answer_draws_no_parallelogram(demo_vectors):
    analogy = solve(demo_vectors, "king - man + woman", keep_inputs=True)
    assert analogy.answer == "king"
    figure = analogy_figure(demo_vectors, analogy)
    assert parallelogram(analogy) is None and not figure.layout.annotations
    assert "input word (king)" in figure.layout.title.text


def test_tiny_vocabularies_and_one_dimension_still_draw():
    vectors = Vectors(["a", "b", "c"], [[1.0], [2.0], [-1.0]])
    analogy = solve(vectors, "a - b + c")
    assert analogy.answer is None
    figure = analogy_figure(vectors, analogy)
    assert list(trace(figure, "inputs").text) == ["a", "b", "c"]
    coords, _ = local_pca(vectors, ["a", "b", "c"])
    assert coords.shape == (3, 2) and not coords[:, 1].any()
