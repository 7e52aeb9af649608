"""Figures, label placement and clusters: the engine behind the Explore page."""

import itertools

import numpy as np
import pytest

from embedviz.space.clusters import categories, kmeans, metadata_columns
from embedviz.core.errors import ParameterError
from embedviz.figures.maps import (AXES_MARGIN, SCENE_FILL, WORDS_TRACE, camera_view, cluster_colouring,
                              extent, focus_ranges, frequency_colouring, map_ranks, metadata_colouring,
                              neighbour_links, neighbours_on_map, scatter, selected_rows, selection_table)
from embedviz.figures.labels import Box, Scale, boxes, place_labels
from embedviz.space.neighbours import neighbours
from embedviz.space.projection import Projection
from embedviz.vectors.vectors import Vectors


def _projection(n=500, dims=2, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)]
    coords = rng.normal(size=(n, dims)).astype(np.float32)
    return Projection(words, coords, "pca", dims, {"seed": 0}, 0.9, 10, None, 0.1)


@pytest.fixture(scope="module")
def demo_top(demo_vectors):
    return demo_vectors.top(2000)


@pytest.fixture(scope="module")
def demo_map(demo_top):
    from embedviz.space.projection import project

    return project(demo_top, "pca", 2)


# -- the scatter ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dims, kind", [(2, "scattergl"), (3, "scatter3d")])
def test_scatter_draws_every_word_in_one_webgl_trace(dims, kind):
    projection = _projection(700, dims)
    figure = scatter(projection, counts=np.arange(700, 0, -1), labels=20)
    words = figure.data[WORDS_TRACE]
    assert words.type == kind
    assert len(words.x) == 700 and len(words.text) == 700
    assert list(words.text[:3]) == ["w0", "w1", "w2"]
    assert all(trace.type == kind for trace in figure.data)  # 2D overlays must be WebGL to show on top


def test_hover_shows_word_rank_and_count():
    projection = _projection(50)
    figure = scatter(projection, counts=np.arange(50, 0, -1) * 10)
    words = figure.data[WORDS_TRACE]
    assert "%{text}" in words.hovertemplate and "rank" in words.hovertemplate
    assert "count" in words.hovertemplate
    assert words.customdata[0].tolist() == [1, 500] and words.customdata[49].tolist() == [50, 10]
    # Without counts (imported vectors), only the rank.
    bare = scatter(projection, counts=np.zeros(50))
    assert "count" not in bare.data[WORDS_TRACE].hovertemplate


def test_highlight_marker_present():
    figure = scatter(_projection(100), highlight=["w5", "w7", "not-a-word"])
    (trace,) = [t for t in figure.data if t.name == "highlight"]
    assert list(trace.text) == ["w5", "w7"]
    assert "markers" in trace.mode


def test_focus_links_the_word_to_exactly_its_k_neighbours_and_centres_the_view(demo_top, demo_map):
    near = neighbours(demo_top, "king", k=7)
    figure = scatter(demo_map, focus="king", neighbours=[w.word for w in near])
    (links,) = [t for t in figure.data if t.name == "links"]
    x, y = np.array(links.x, dtype=float), np.array(links.y, dtype=float)
    segments = np.isnan(x).sum()
    assert segments == 7 and len(x) == 3 * 7
    king = demo_map.words.index("king")
    assert np.allclose(x[0::3], demo_map.coords[king, 0]) and np.allclose(y[0::3], demo_map.coords[king, 1])
    ends = {(round(float(a), 5), round(float(b), 5)) for a, b in zip(x[1::3], y[1::3])}
    rows = [demo_map.words.index(w.word) for w in near]
    assert ends == {(round(float(demo_map.coords[r, 0]), 5), round(float(demo_map.coords[r, 1]), 5))
                    for r in rows}
    (highlight,) = [t for t in figure.data if t.name == "highlight"]
    assert list(highlight.text) == ["king"]
    (xr, yr) = figure.layout.xaxis.range, figure.layout.yaxis.range
    assert np.isclose(sum(xr) / 2, demo_map.coords[king, 0])
    assert np.isclose(sum(yr) / 2, demo_map.coords[king, 1])
    for r in rows:  # every neighbour is inside the view
        assert xr[0] <= demo_map.coords[r, 0] <= xr[1] and yr[0] <= demo_map.coords[r, 1] <= yr[1]


def test_focus_in_3d_links_and_ranges():
    projection = _projection(300, 3)
    figure = scatter(projection, focus="w10", neighbours=["w1", "w2", "w3"])
    (links,) = [t for t in figure.data if t.name == "links"]
    assert links.type == "scatter3d" and np.isnan(np.array(links.x, dtype=float)).sum() == 3
    centre = [sum(figure.layout.scene[f"{a}axis"].range) / 2 for a in "xyz"]
    assert np.allclose(centre, projection.coords[10])


def test_neighbour_links_and_map_ranks():
    coords = np.array([[0, 0], [1, 0], [0, 2], [3, 3]], dtype=np.float32)
    x, y = neighbour_links(coords, 0, [1, 3])
    assert np.array_equal(x[[0, 1, 3, 4]], [0, 1, 0, 3]) and np.isnan(x[2]) and np.isnan(x[5])
    assert map_ranks(coords, 0, [1, 2, 3]) == [1, 2, 3]
    assert map_ranks(coords, 3, [0]) == [3]


def test_neighbours_on_map_marks_words_off_the_map():
    projection = _projection(10)
    table = neighbours_on_map(projection, "w0", [("w1", 0.9), ("absent", 0.5)])
    assert table["word"] == ["w1", "absent"] and table["map rank"][1] is None
    assert isinstance(table["map rank"][0], int)


def test_colourings():
    counts = np.array([1000, 100, 10, 0])
    frequency = frequency_colouring(counts)
    assert frequency.names is None and np.allclose(frequency.values[:3], np.log10(counts[:3] + 1))
    assert frequency_colouring(np.zeros(3)).title == "frequency rank"
    figure = scatter(_projection(4), colouring=frequency)
    assert figure.data[WORDS_TRACE].marker.showscale
    numbers = metadata_colouring([1.5, 2, 3, 4], "age")
    assert numbers.names is None
    labels = metadata_colouring(["old", "new", "new", None], "testament")
    assert labels.names == ["new", "(missing)", "old"] and labels.values.tolist() == [2, 0, 0, 1]


def test_extent_and_focus_ranges():
    coords = np.array([[0, 0], [10, 5]], dtype=np.float32)
    assert extent(coords, pad=0.1) == [(-1.0, 11.0), (-0.5, 5.5)]
    ranges = focus_ranges(coords, 0, fraction=0.2)
    assert ranges == [(-1.0, 1.0), (-0.5, 0.5)]


def test_selected_rows_reads_only_the_words_trace():
    points = [{"curve_number": 0, "point_index": 5}, {"curve_number": 0, "point_index": 2},
              {"curve_number": 2, "point_index": 1}, {"curve_number": 0, "point_index": 5},
              {"curve_number": 0, "point_number": 99}]
    assert selected_rows(points, n_words=50) == [2, 5]
    assert selected_rows(None) == []


def test_selection_table_lists_words_ranks_counts_and_categories():
    projection = _projection(6)
    colouring = metadata_colouring(["a", "b", "a", "a", "b", "c"], "kind")
    table = selection_table(projection, [1, 4], counts=[60, 50, 40, 30, 20, 10], colouring=colouring)
    assert table == {"word": ["w1", "w4"], "rank": [2, 5], "count": [50, 20], "kind": ["b", "b"]}


# -- labels --------------------------------------------------------------------------------------------
def _assert_no_overlap(placed_boxes):
    for a, b in itertools.combinations(placed_boxes, 2):
        assert not a.overlaps(b), (a, b)


def test_placed_labels_never_overlap():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(3000, 2))
    texts = [("word" * 4)[: 2 + i % 12] for i in range(3000)]
    scale = Scale.fit((-4, 4), (-4, 4), 800, 600)
    kept = place_labels(points, texts, scale, limit=150)
    assert 20 < len(kept) <= 150
    _assert_no_overlap(boxes(points, texts, scale, kept))


def test_more_frequent_word_wins_a_collision():
    points = np.array([[0.0, 0.0], [0.01, 0.0], [5.0, 5.0]])
    scale = Scale.fit((-10, 10), (-10, 10), 800, 600)
    assert place_labels(points, ["rare", "common", "far"], scale, order=[1, 0, 2]) == [1, 2]
    assert place_labels(points, ["common", "rare", "far"], scale) == [0, 2]
    assert place_labels(points, ["a", "b", "c"], scale, limit=1) == [0]


def test_labels_respect_boxes_already_placed_and_the_view():
    points = np.array([[0.0, 0.0], [3.0, 0.0], [50.0, 0.0]])
    scale = Scale.fit((-10, 10), (-10, 10), 800, 600)
    taken = [scale.box(0.0, 0.0, "searched")]
    assert place_labels(points, ["a", "b", "c"], scale, placed=taken, within=((-10, 10), (-10, 10))) == [1]


def test_label_box_grows_with_text_and_sits_above_the_point():
    scale = Scale.fit((0, 100), (0, 100), 1000, 1000, font_size=10)
    short, long = scale.box(50, 50, "ab"), scale.box(50, 50, "abcdefgh")
    assert long.x1 - long.x0 > short.x1 - short.x0
    assert short.y0 > 50 and (short.x0 + short.x1) / 2 == 50
    assert Box(0, 0, 1, 1).overlaps(Box(0.5, 0.5, 2, 2)) and not Box(0, 0, 1, 1).overlaps(Box(1, 0, 2, 1))


def test_2d_scatter_labels_do_not_overlap_on_the_figure(demo_top, demo_map):
    near = [w.word for w in neighbours(demo_top, "king", k=5)]
    figure = scatter(demo_map, labels=80, width=900, height=600, focus="king", neighbours=near)
    traces = {t.name: t for t in figure.data}
    assert 10 < len(traces["labels"].text) <= 80
    # Every label drawn (frequent words, neighbours, the searched word), as plotly places them.
    scale = Scale.fit(figure.layout.xaxis.range, figure.layout.yaxis.range, 900 - AXES_MARGIN[0],
                      600 - AXES_MARGIN[1])
    drawn = [scale.box(x, y, text) for name in ("labels", "neighbours", "highlight")
             for x, y, text in zip(traces[name].x, traces[name].y, traces[name].text) if text]
    _assert_no_overlap(drawn)


def test_most_frequent_word_gets_its_label(demo_map):
    (labels,) = [t for t in scatter(demo_map, labels=30).data if t.name == "labels"]
    assert labels.text[0] == demo_map.words[0]


def test_3d_labels_do_not_overlap_from_the_default_camera():
    projection = _projection(3000, 3)
    figure = scatter(projection, labels=60, width=700, height=600)
    (labels,) = [t for t in figure.data if t.name == "labels"]
    assert 10 < len(labels.text) <= 60
    view = extent(projection.coords, pad=0.0)
    rows = [projection.words.index(w) for w in labels.text]
    points = camera_view(projection.coords, view)
    corners = camera_view(np.array(list(itertools.product(*view))), view)
    screen = extent(corners, pad=0.0)
    scale = Scale.fit(screen[0], screen[1], (700 - AXES_MARGIN[0]) * SCENE_FILL,
                      (600 - AXES_MARGIN[1]) * SCENE_FILL)
    _assert_no_overlap(boxes(points, projection.words, scale, rows))


def test_camera_view_looks_at_the_centre_from_the_default_eye():
    view = [(-1, 1)] * 3
    points = camera_view(np.array([[0, 0, 0], [1, 1, 1], [0, 0, 1], [1, -1, 0]]), view)
    assert np.allclose(points[0], 0) and np.allclose(points[1], 0)  # the eye's own direction
    assert points[2][1] > 0 and abs(points[2][0]) < 1e-9  # "up" is up
    assert points[3][0] < 0 and abs(points[3][1]) < 1e-9  # plotly draws +x to the lower left, +y lower right


# -- clusters ------------------------------------------------------------------------------------------
def test_kmeans_is_deterministic_with_a_seed(demo_top):
    first, second = kmeans(demo_top, 8, seed=1), kmeans(demo_top, 8, seed=1)
    assert first.labels.shape == (len(demo_top),) and len(first) == 8
    assert np.array_equal(first.labels, second.labels) and first.names == second.names
    assert first.labels[0] == 0 and set(np.unique(first.labels)) == set(range(8))
    assert first.sizes.sum() == len(demo_top)
    assert all(first.labels[r] == c for c, rows in enumerate(first.name_rows) for r in rows)
    assert first.names == [" · ".join(demo_top.words[r] for r in rows) for rows in first.name_rows]
    colouring = cluster_colouring(first)
    assert colouring.names == first.names and len(colouring.values) == len(demo_top)


def test_kmeans_uses_minibatch_on_large_vocabularies(monkeypatch):
    import embedviz.space.clusters as clusters

    monkeypatch.setattr(clusters, "MINIBATCH_FROM", 100)
    rng = np.random.default_rng(0)
    vectors = Vectors([f"w{i}" for i in range(400)], rng.normal(size=(400, 8)))
    a, b = kmeans(vectors, 5, seed=2), kmeans(vectors, 5, seed=2)
    assert np.array_equal(a.labels, b.labels) and a.labels.shape == (400,)


@pytest.mark.parametrize("k, message", [(1, "at least 2"), (True, "at least 2"),
                                        (10, "need at least 10 words")])
def test_kmeans_bad_k(k, message):
    vectors = Vectors(["a", "b", "c"], np.eye(3))
    with pytest.raises(ParameterError, match=message):
        kmeans(vectors, k)


def test_metadata_columns_and_categories():
    meta = {"word_metadata": {"testament": ["old", "new", "old"], "broken": ["x"]}}
    assert metadata_columns(meta, 3) == {"testament": ["old", "new", "old"]}
    assert metadata_columns({"corpus": {}}, 3) == {}
    many = categories([str(i % 30) for i in range(300)], limit=5)
    assert len(many.names) == 5 and many.names[-1] == "other" and many.codes.max() == 4


# -- maps bigger than the browser takes as points ----------------------------------------------------------
def test_a_map_above_the_point_limit_is_an_image_with_the_top_words_as_points(monkeypatch):
    import base64
    import io

    from PIL import Image

    import embedviz.figures.maps as figures

    monkeypatch.setenv("EMBEDVIZ_MAP_POINTS", "300")
    monkeypatch.setattr(figures, "POINTS_ON_TOP", 100)
    rng = np.random.default_rng(0)
    n = 1000
    projection = Projection([f"w{i}" for i in range(n)], rng.normal(size=(n, 2)).astype(np.float32), "pca", 2,
                            {}, 0.9, 10, None, 0.1)
    colouring = figures.Colouring(rng.integers(0, 3, n).astype(np.uint8), "cluster", ["a", "b", "c"])
    figure = figures.scatter(projection, colouring=colouring, labels=10, width=500, height=400)
    words = figure.data[WORDS_TRACE]
    assert len(words.x) == 100 and list(words.text[:2]) == ["w0", "w1"]  # the most frequent, as points
    assert len(words.marker.color) == 100
    (image,) = figure.layout.images
    assert image.xref == "x" and image.layer == "below"
    assert figure.layout.meta == {"raster": True, "words": 1000, "points": 100}
    png = Image.open(io.BytesIO(base64.b64decode(image.source.split(",", 1)[1])))
    assert png.size == (500 - AXES_MARGIN[0], 400 - AXES_MARGIN[1])
    pixels = np.asarray(png.convert("RGBA"))
    assert (pixels[..., 3] > 0).sum() > 500  # every word drawn, not only the points on top
    # below the limit: every word a point, no image
    monkeypatch.setenv("EMBEDVIZ_MAP_POINTS", "5000")
    small = figures.scatter(projection, colouring=colouring)
    assert len(small.data[WORDS_TRACE].x) == n and not small.layout.images


def test_a_3d_map_above_the_limit_draws_the_most_frequent_words(monkeypatch):
    import embedviz.figures.maps as figures

    monkeypatch.setattr(figures, "MOST_IN_3D", 50)
    rng = np.random.default_rng(1)
    projection = Projection([f"w{i}" for i in range(120)], rng.normal(size=(120, 3)).astype(np.float32), "pca", 3,
                            {}, 0.9, 10, None, 0.1)
    figure = figures.scatter(projection, counts=np.arange(120, 0, -1), labels=5)
    assert len(figure.data[WORDS_TRACE].x) == 50 and not figure.layout.images


def test_no_label_runs_over_the_edge_of_the_map(demo_top, demo_map):
    figure = scatter(demo_map, counts=demo_top.counts, labels=200)
    labels = next(t for t in figure.data if t.name == "labels")
    (x0, x1), (y0, y1) = figure.layout.xaxis.range, figure.layout.yaxis.range
    scale = Scale.fit((x0, x1), (y0, y1), 700 - AXES_MARGIN[0], 600 - AXES_MARGIN[1])
    assert len(labels.x) > 20
    for x, y, text in zip(labels.x, labels.y, labels.text):
        box = scale.box(x, y, text)
        assert x0 <= box.x0 and box.x1 <= x1 and y0 <= box.y0 and box.y1 <= y1, text
