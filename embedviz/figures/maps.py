"""Plotly figures of the space: maps of projections, coloured, labelled, centred on a searched word.

Figures are plain plotly objects built from engine results; pages only display them. The words are
always trace 0 (:data:`WORDS_TRACE`), one WebGL trace for all of them (``Scattergl`` in 2D,
``Scatter3d`` in 3D), so a selection's ``point_index`` on that trace is a row of the projection.
Everything else (links to neighbours, labels, the searched word) is drawn in small traces on top;
in 2D these are WebGL traces too, since plotly draws its WebGL canvas over any SVG trace.

>>> figure = scatter(projection, counts=vectors.counts[:len(projection.words)],
...                  colouring=cluster_colouring(clusters), labels=40,
...                  focus="king", neighbours=["queen", "prince"])       # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go

from embedviz.space.clusters import Categories, Clusters
from embedviz.figures.labels import Scale, boxes, place_labels
from embedviz.figures.text import plot_text, plot_texts
from embedviz.space.projection import Projection
from embedviz.figures.raster import MOST_IN_3D, POINTS_ON_TOP, density_image, raster_from

WORDS_TRACE = 0
#: Figure width assumed when estimating label boxes (pixels): the map's column on a laptop screen.
#: A wider screen only leaves labels more room; a much narrower one lets some touch.
PLOT_WIDTH = 700
#: Space the axes take from the figure (pixels), so the plot area is a little smaller than the figure.
AXES_MARGIN = (60, 70)
#: Share of the plot area that plotly's 3D scene box covers, seen from the default camera.
SCENE_FILL = 0.75
#: Fraction of the data's extent added on each side of a 2D map.
PAD = 0.04
#: Smallest window around a searched word, as a fraction of the map's extent.
FOCUS_FRACTION = 0.2
#: Qualitative colours: D3's ten, then the dark tones of its category20b, then light tones; distinct
#: enough up to ~20 (metadata columns are cut to 20 categories).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#aec7e8",
           "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5")
# The searched word and its neighbours in colours no cluster or category uses (none is in PALETTE):
# black, and white points ringed in black, readable on every cluster colour.
FOCUS_COLOUR = "#000000"
NEIGHBOUR_COLOUR = "#ffffff"
NEIGHBOUR_TEXT = "#000000"
LINK_COLOUR = "rgba(0, 0, 0, 0.55)"


# -- colours ---------------------------------------------------------------------------------------
@dataclass(eq=False)
class Colouring:
    """One value per word and how to read it: ``names`` (categories: ``values`` are codes 0..k-1,
    each drawn in its own colour) or None (``values`` are numbers on a continuous scale)."""

    values: np.ndarray
    title: str
    names: list[str] | None = None


def frequency_colouring(counts) -> Colouring:
    """log10 of each word's corpus count; the frequency rank if the counts are unknown (all 0)."""
    counts = np.asarray(counts, dtype=np.float64)
    if len(counts) and counts.max() > 0:
        return Colouring(np.log10(counts + 1).astype(np.float32), "log10 count")
    return Colouring(np.arange(1, len(counts) + 1, dtype=np.float32), "frequency rank")


def cluster_colouring(clusters: Clusters) -> Colouring:
    return Colouring(clusters.labels.astype(np.uint8 if len(clusters) <= 256 else np.int32), "cluster",
                     list(clusters.names))


def category_colouring(categories: Categories, title: str) -> Colouring:
    return Colouring(categories.codes.astype(np.uint8 if len(categories.names) <= 256 else np.int32),
                     title, categories.names)


def metadata_colouring(values, title: str) -> Colouring:
    """A per-word metadata column: a continuous scale if every value is a number, else categories
    (the most common ones, the rest as "other"; see :func:`embedviz.space.clusters.categories`)."""
    from embedviz.space.clusters import categories

    values = list(values)
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numeric and values:
        return Colouring(np.asarray(values, dtype=np.float32), title)
    return category_colouring(categories(values), title)


def _discrete_scale(k: int) -> list:
    """A colorscale of ``k`` flat bands, one palette colour each, for codes 0..k-1."""
    scale = []
    for c in range(k):
        colour = PALETTE[c % len(PALETTE)]
        scale += [[c / k, colour], [(c + 1) / k, colour]]
    return scale


def _marker(colouring: Colouring | None, three_d: bool) -> dict:
    marker = dict(size=2.5 if three_d else 5, opacity=0.7 if three_d else 0.6)
    if colouring is None:
        return marker
    marker["color"] = colouring.values
    if colouring.names is None:
        marker.update(colorscale="Viridis", showscale=True,
                      colorbar=dict(title=plot_text(colouring.title), thickness=12))
    else:
        k = max(len(colouring.names), 1)
        marker.update(colorscale=_discrete_scale(k), cmin=-0.5, cmax=k - 0.5, showscale=True,
                      colorbar=dict(title=plot_text(colouring.title), thickness=12, tickvals=list(range(k)),
                                    ticktext=[plot_text(_shorten(f"{c}: {name}"))
                                              for c, name in enumerate(colouring.names)]))
    return marker


def _shorten(text: str, most: int = 28) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


# -- geometry --------------------------------------------------------------------------------------
def extent(coords: np.ndarray, pad: float = PAD) -> list[tuple[float, float]]:
    """The range of each axis that shows every point, with ``pad`` of the span added each side."""
    low, high = coords.min(axis=0).astype(float), coords.max(axis=0).astype(float)
    span = np.where(high > low, high - low, 1.0)
    return [(float(lo - pad * s), float(hi + pad * s)) for lo, hi, s in zip(low, high, span)]


def focus_ranges(coords: np.ndarray, centre: int, around: Iterable[int] = (),
                 fraction: float = FOCUS_FRACTION) -> list[tuple[float, float]]:
    """Axis ranges centred on point ``centre`` that show the points ``around`` it, and at least
    ``fraction`` of the map's extent on each axis."""
    full = extent(coords, pad=0.0)
    point = coords[centre].astype(float)
    around = [i for i in around]
    reach = np.abs(coords[around] - point).max(axis=0) * 1.15 if around else np.zeros(len(point))
    ranges = []
    for axis, (lo, hi) in enumerate(full):
        half = max(reach[axis], fraction * (hi - lo) / 2, 1e-9)
        ranges.append((float(point[axis] - half), float(point[axis] + half)))
    return ranges


def map_ranks(coords: np.ndarray, centre: int, others: Sequence[int]) -> list[int]:
    """For each of ``others``, its rank among the points nearest to ``centre`` on the map (1: the
    nearest). Small ranks for a word's true neighbours mean the map keeps them close."""
    distances = np.linalg.norm(coords.astype(np.float64) - coords[centre], axis=1)
    # Points strictly closer than the neighbour, less the centre itself, plus one.
    return [max(1, int(np.count_nonzero(distances < distances[o]))) for o in others]


def neighbours_on_map(projection: Projection, word: str, near, vectors=None) -> dict:
    """Columns of a table of ``word``'s neighbours (``near``: ``(word, score)`` pairs, closest first):
    ``word``, ``cosine``, ``rank`` (by frequency in ``vectors``; None without them) and ``map rank``
    (:func:`map_ranks`; None for a word not on the map, or all None if ``word`` is not on it)."""
    index = {w: i for i, w in enumerate(projection.words)}
    near = list(near)
    on_map = [index.get(w) for w, _ in near]
    drawn = {}
    if word in index:
        present = [i for i in on_map if i is not None]
        drawn = dict(zip(present, map_ranks(projection.coords, index[word], present)))
    return {"word": [w for w, _ in near],
            "cosine": [round(float(score), 3) for _, score in near],
            "rank": [vectors.index[w] + 1 if vectors is not None else None for w, _ in near],
            "map rank": [drawn.get(i) for i in on_map]}


def camera_view(coords: np.ndarray, view, eye=(1.25, 1.25, 1.25), up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Where 3D points appear on screen (x right, y up, arbitrary units) from plotly's default camera
    (``eye``, looking at the centre, ``up``), with the scene's axis ranges ``view`` drawn as a cube
    (``aspectmode="cube"``). Orthographic: plotly's perspective shifts points a little more."""
    lo = np.array([r[0] for r in view], dtype=np.float64)
    hi = np.array([r[1] for r in view], dtype=np.float64)
    cube = 2 * (np.asarray(coords, dtype=np.float64) - lo) / np.where(hi > lo, hi - lo, 1.0) - 1
    forward = -np.asarray(eye, dtype=np.float64) / np.linalg.norm(eye)
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    true_up = np.cross(right, forward)
    return np.column_stack([cube @ right, cube @ true_up])


def neighbour_links(coords: np.ndarray, centre: int, others: Sequence[int]) -> list[np.ndarray]:
    """Per axis, the coordinates of segments from point ``centre`` to each of ``others``, separated by
    NaN (plotly breaks a line at a gap): ``[x0, x1, nan, x0, x2, nan, ...]``."""
    columns = []
    for axis in range(coords.shape[1]):
        line = np.full(3 * len(others), np.nan)
        line[0::3] = coords[centre, axis]
        line[1::3] = coords[list(others), axis]
        columns.append(line)
    return columns


# -- the figure ------------------------------------------------------------------------------------
def scatter(projection: Projection, *, counts=None, colouring: Colouring | None = None, labels: int = 40,
            highlight: Iterable[str] = (), focus: str | None = None, neighbours: Iterable[str] = (),
            title: str | None = None, height: int = 600, width: int = PLOT_WIDTH,
            dragmode: str | None = "pan", label_order: Iterable[int] | None = None) -> go.Figure:
    """A WebGL map of a projection.

    - ``counts``: corpus count of each projected word, shown on hover with the frequency rank
      (the projection's words are in frequency order, so word ``i`` has rank ``i + 1``).
    - ``colouring``: see :func:`frequency_colouring`, :func:`cluster_colouring`,
      :func:`category_colouring`; None draws every word in one colour.
    - ``labels``: how many text labels to place, in ``label_order`` (rows; e.g. the clusters' naming
      words first, :func:`embedviz.space.clusters.label_order`) or most frequent first; in 2D a label that
      would overlap one already placed is skipped (:mod:`embedviz.figures.labels`); in 3D the same is done
      for the default camera (:func:`camera_view`), so turning the map may bring labels together.
    - ``highlight``: words drawn larger, in red, with their labels (trace ``"highlight"``).
    - ``focus``: a searched word, highlighted, with the view centred on it; ``neighbours`` are
      joined to it by line segments (trace ``"links"``) and labelled (trace ``"neighbours"``).
      Words that are not in the projection are ignored.

    Above :func:`~embedviz.figures.raster.raster_from` words a 2D map draws every word into an image
    (:mod:`embedviz.figures.raster`) with the most frequent :data:`~embedviz.figures.raster.POINTS_ON_TOP` as the
    points of trace 0; a 3D map draws the :data:`~embedviz.figures.raster.MOST_IN_3D` most frequent.
    """
    coords = projection.coords
    words = projection.words
    three_d = projection.dims == 3
    if three_d and len(words) > MOST_IN_3D:  # a turning 3D map cannot be an image: the top words
        coords, words = coords[:MOST_IN_3D], words[:MOST_IN_3D]
        counts = None if counts is None else counts[:MOST_IN_3D]
        colouring = None if colouring is None else Colouring(colouring.values[:MOST_IN_3D], colouring.title,
                                                             colouring.names)
    raster = not three_d and len(words) > raster_from()  # every word as an image, the top ones as points
    index = {w: i for i, w in enumerate(words)}
    focus_row = index.get(focus) if focus is not None else None
    neighbour_rows = []
    if focus_row is not None:
        neighbour_rows = [index[w] for w in neighbours if w in index and w != focus]
    marked = [index[w] for w in highlight if w in index]
    if focus_row is not None and focus_row not in marked:
        marked.append(focus_row)

    drawn = POINTS_ON_TOP if raster else len(words)
    figure = go.Figure(_words_trace(coords[:drawn], words[:drawn], None if counts is None else counts[:drawn],
                                    None if colouring is None else
                                    Colouring(colouring.values[:drawn], colouring.title, colouring.names), three_d))
    if focus_row is not None and neighbour_rows:
        figure.add_trace(_links_trace(coords, focus_row, neighbour_rows, three_d))

    if focus_row is not None:
        ranges = focus_ranges(coords, focus_row, neighbour_rows)
    else:
        ranges = None if three_d else extent(coords)
    shown, neighbour_labels = _place_labels(coords, words, ranges, labels, marked, neighbour_rows,
                                            width, height, label_order)

    if shown:
        figure.add_trace(_text_trace(coords, words, shown, "labels", three_d,
                                     dict(size=11, color="#1a1a1a", weight="bold"), mode="text"))
    if neighbour_rows:
        trace = _text_trace(coords, words, neighbour_rows, "neighbours", three_d,
                            dict(size=12, color=NEIGHBOUR_TEXT, weight="bold"), mode="markers+text",
                            marker=dict(size=8 if not three_d else 4, color=NEIGHBOUR_COLOUR,
                                        line=dict(width=1.5, color=NEIGHBOUR_TEXT)))
        labelled = set(neighbour_labels)
        trace.text = [plot_text(words[i]) if i in labelled else "" for i in neighbour_rows]
        figure.add_trace(trace)
    if marked:
        figure.add_trace(_text_trace(coords, words, marked, "highlight", three_d,
                                     dict(size=15, color=FOCUS_COLOUR, weight="bold"), mode="markers+text",
                                     marker=dict(size=12 if not three_d else 6, color=FOCUS_COLOUR,
                                                 symbol="circle" if three_d else "star",
                                                 line=dict(width=1, color="white"))))

    if raster:
        (x0, x1), (y0, y1) = ranges[0], ranges[1]
        values = None if colouring is None else colouring.values
        names = None if colouring is None else colouring.names
        image = density_image(coords, values, names, (x0, x1), (y0, y1), max(width - AXES_MARGIN[0], 100),
                              max(height - AXES_MARGIN[1], 100), palette=PALETTE)
        figure.add_layout_image(source=image, xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
                                sizing="stretch", layer="below", opacity=0.9)
        figure.update_layout(meta={"raster": True, "words": len(words), "points": drawn})
    # uirevision follows the searched word: a new search moves the view to it, whatever the user
    # had zoomed to.
    layout = dict(title=title, height=height, showlegend=False, uirevision=focus or "map",
                  margin=dict(l=0, r=0, t=40 if title else 10, b=0))
    if three_d:
        layout["dragmode"] = "orbit"
        layout["scene"] = dict(aspectmode="cube")
        if ranges is not None:
            layout["scene"].update({f"{axis}axis": dict(range=list(r)) for axis, r in zip("xyz", ranges)})
    else:
        if dragmode:
            layout["dragmode"] = dragmode
        layout["xaxis"] = dict(range=list(ranges[0]), zeroline=False)
        layout["yaxis"] = dict(range=list(ranges[1]), zeroline=False)
    figure.update_layout(**layout)
    return figure


def _place_labels(coords, words, ranges, limit: int, marked, neighbour_rows, width: int, height: int,
                  order=None):
    """The rows whose labels fit (``limit`` at most, most frequent first) and the neighbours whose
    labels fit, after the ``marked`` words' labels, which are always drawn. In 3D, boxes are laid
    out where the points appear from plotly's default camera (:func:`camera_view`); turning the map
    may bring some labels together."""
    if coords.shape[1] == 3:
        view = ranges or extent(coords, pad=0.0)
        points = camera_view(coords, view)
        screen = extent(camera_view(np.array(list(itertools.product(*view))), view), pad=0.0)
        inside = np.all([(coords[:, a] >= lo) & (coords[:, a] <= hi)
                         for a, (lo, hi) in enumerate(view)], axis=0)
        within, fill = None, SCENE_FILL
    else:
        points, screen, inside, within, fill = coords, ranges, None, ranges, 1.0
    scale = Scale.fit(screen[0], screen[1], max(width - AXES_MARGIN[0], 100) * fill,
                      max(height - AXES_MARGIN[1], 100) * fill)
    taken = boxes(points, words, scale, marked)
    neighbour_labels = place_labels(points, words, scale, order=neighbour_rows, placed=taken)
    taken += boxes(points, words, scale, neighbour_labels)
    skip = set(marked) | set(neighbour_rows)
    rows = range(len(words)) if order is None else (i for i in order if 0 <= i < len(words))
    candidates = (i for i in rows if i not in skip and (inside is None or inside[i]))
    shown = place_labels(points, words, scale, limit=limit, placed=taken, within=within, order=candidates)
    return shown, neighbour_labels


def _words_trace(coords, words, counts, colouring, three_d: bool):
    """All words in one WebGL trace. Hover shows the word, its frequency rank and its count; ranks
    and counts travel as one int32 array (base64 in the JSON), the words as the only text (escaped:
    :mod:`embedviz.figures.text`); a colouring's title travels in ``meta``, never in the template."""
    n = len(words)
    ranks = np.arange(1, n + 1, dtype=np.int32)
    if counts is not None and len(counts) == n and np.any(np.asarray(counts) > 0):
        clipped = np.asarray(counts, dtype=np.int64).clip(max=2**31 - 1)
        customdata = np.column_stack([ranks, clipped]).astype(np.int32)
        hover = "<b>%{text}</b><br>rank %{customdata[0]:,}<br>count %{customdata[1]:,}"
    else:
        customdata = ranks[:, None]
        hover = "<b>%{text}</b><br>rank %{customdata[0]:,}"
    meta = None
    if colouring is not None and colouring.names is not None:
        hover += "<br>%{meta[0]} %{marker.color}"
        meta = [plot_text(colouring.title)]
    hover += "<extra></extra>"
    # A numpy array of strings, not a list: plotly validates a list element by element (~1 s at 50k).
    common = dict(mode="markers", text=plot_texts(words), customdata=customdata, meta=meta,
                  hovertemplate=hover, marker=_marker(colouring, three_d), name="words")
    if three_d:
        return go.Scatter3d(x=coords[:, 0], y=coords[:, 1], z=coords[:, 2], **common)
    return go.Scattergl(x=coords[:, 0], y=coords[:, 1], **common)


def _links_trace(coords, centre: int, others: Sequence[int], three_d: bool):
    line = neighbour_links(coords, centre, others)
    style = dict(mode="lines", line=dict(color=LINK_COLOUR, width=2 if three_d else 1.5),
                 hoverinfo="skip", name="links")
    if three_d:
        return go.Scatter3d(x=line[0], y=line[1], z=line[2], **style)
    return go.Scattergl(x=line[0], y=line[1], **style)


def _text_trace(coords, words, rows, name: str, three_d: bool, font: dict, mode: str, marker=None):
    rows = np.asarray(rows, dtype=np.int64)
    style = dict(mode=mode, text=[plot_text(words[i]) for i in rows], textfont=font, name=name, hoverinfo="skip",
                 textposition="top center")
    if marker is not None:
        style["marker"] = marker
    if three_d:
        return go.Scatter3d(x=coords[rows, 0], y=coords[rows, 1], z=coords[rows, 2], **style)
    return go.Scattergl(x=coords[rows, 0], y=coords[rows, 1], **style)


# -- reading selections back -----------------------------------------------------------------------
def selected_rows(points: Iterable[dict], n_words: int | None = None) -> list[int]:
    """The rows of the projection selected on the map, from the ``points`` of a plotly selection
    event (each with ``curve_number`` and ``point_index``); points of other traces (labels, links)
    are ignored. Sorted, without duplicates."""
    rows = set()
    for point in points or ():
        if point.get("curve_number", WORDS_TRACE) != WORDS_TRACE:
            continue
        row = point.get("point_index", point.get("point_number"))
        if isinstance(row, int) and row >= 0 and (n_words is None or row < n_words):
            rows.add(row)
    return sorted(rows)


def selection_table(projection: Projection, rows: Sequence[int], counts=None,
                    colouring: Colouring | None = None) -> dict:
    """Columns of a table of the selected ``rows``: ``word``, ``rank`` (by frequency), ``count`` (if
    ``counts``, one per word of the vocabulary or of the projection, are given) and, for a colouring
    by categories, the category of each word (a column named after the colouring)."""
    table = {"word": [projection.words[i] for i in rows], "rank": [i + 1 for i in rows]}
    if counts is not None:
        table["count"] = [int(counts[i]) for i in rows]
    if colouring is not None and colouring.names is not None:
        table[colouring.title] = [colouring.names[int(colouring.values[i])] for i in rows]
    return table
