"""The figures of Compare, Evolution and Axes carry the numbers of the results they draw."""

import numpy as np

from embedviz.figures.axes import axis_map_figure, axis_ranking_figure
from embedviz.figures.comparison import comparison_figure, shift_histogram
from embedviz.figures.evolution import evolution_figure, shift_by_epoch_figure
from embedviz.space.axes import axis_map, axis_scores
from embedviz.space.comparison import aligned_maps, compare
from embedviz.space.evolution import evolution
from embedviz.vectors.snapshots import Snapshots
from embedviz.vectors.vectors import Vectors


def rotated(vectors: Vectors, seed: int = 0) -> Vectors:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(vectors.dim, vectors.dim)))
    return Vectors(vectors.words, vectors.matrix @ q.astype(np.float32), vectors.counts)


def test_comparison_figure_draws_both_panels_and_the_highlight(demo_vectors):
    small = Vectors(demo_vectors.words[:3000], demo_vectors.matrix[:3000], demo_vectors.counts[:3000])
    found = compare(small, rotated(small), k=5)
    maps = aligned_maps(small, rotated(small), found, top=500)
    figure = comparison_figure(maps, "demo", "turned", highlight=["king", "nosuchword"])
    words_a, words_b = figure.data[0], figure.data[1]
    assert len(words_a.x) == len(words_b.x) == 500 and words_a.xaxis == "x" and words_b.xaxis == "x2"
    # a rotated copy lands on the same places
    np.testing.assert_allclose(words_a.x, words_b.x, atol=1e-3)
    assert figure.layout.meta["highlighted"] == ["king"]
    assert [t.name for t in figure.data[2:]] == ["highlighted", "highlighted", "moved from A"]
    histogram = shift_histogram([w.shift for w in found.words], rare_shifts=[0.5, 0.6])
    assert len(histogram.data) == 2 and len(histogram.data[0].x) == len(found.words)


def test_evolution_figure_has_a_frame_per_epoch_and_the_path(demo_vectors):
    final = demo_vectors.matrix[:300]
    rng = np.random.default_rng(0)
    matrices = np.stack([final + s * rng.normal(size=final.shape) for s in (2.0, 1.0, 0.3, 0.0)]).astype(np.float16)
    found = evolution(Snapshots(demo_vectors.words[:300], matrices, [9.0, 5.0, 3.0, 2.0]))
    assert {"king", "queen", "lord"} <= set(found.words)
    figure = evolution_figure(found, "king", neighbours=["queen", "lord", "not-kept"])
    assert len(figure.frames) == 4 and [f.name for f in figure.frames] == ["1", "2", "3", "4"]
    assert figure.layout.sliders[0].active == 3
    path = next(t for t in figure.data if t.name == "path of king")
    np.testing.assert_allclose(np.column_stack([path.x, path.y]), found.path("king"), atol=1e-5)
    marked = figure.frames[0].data[1]
    assert list(marked.text) == ["king", "queen", "lord"]
    shifts = shift_by_epoch_figure(found, ["king"])
    np.testing.assert_allclose(shifts.data[0].y, np.median(found.shift_to_final, axis=1))
    assert shifts.data[0].y[-1] == 0


def test_axis_figures_place_words_by_their_cosines(demo_vectors):
    found = axis_map(demo_vectors, "woman - man", "queen - king", top=1000)
    figure = axis_map_figure(found, highlight=["lady"])
    np.testing.assert_allclose(figure.data[0].x, found.coords[:, 0])
    np.testing.assert_allclose(figure.data[0].y, found.coords[:, 1])
    assert "lady" in figure.data[1].text and "woman - man" in figure.layout.xaxis.title.text
    ranking = axis_scores(demo_vectors, "good - evil", top=1000)
    bars = axis_ranking_figure(ranking, "good - evil")
    assert len(bars.data[0].y) == 30 and bars.layout.meta["words"] == 1000
    # the highest at the top: plotly draws the last category highest
    assert bars.data[0].y[-1] == ranking[0].word and bars.data[0].x[-1] == ranking[0].score
    assert bars.data[0].y[0] == ranking[-1].word
