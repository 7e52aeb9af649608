"""Maps too big for the browser: every word drawn into an image on the server (datashader).

A plotly WebGL trace through Streamlit carries every point as JSON (coordinates, the word, its
colour) and the browser keeps them all: at 100,000 words that is ~3.5 MB and ~4 s for every redraw
(Streamlit's chart component copies the figure more than once); at 1,000,000 it is ~35 MB and a tab
that stops answering for 20 s (measured: benchmarks/scale_bench.py).
Above ``EMBEDVIZ_MAP_POINTS`` words (:func:`raster_from`) a 2D map draws all of them as a density image rendered
by datashader (each pixel coloured by the clusters of the words under it, or by their mean value
on a continuous colouring), and only the :data:`POINTS_ON_TOP` most frequent words as points that
can be hovered, labelled and selected, on top of it.

>>> uri = density_image(coords, values, names, (-10, 10), (-8, 8), 900, 600)   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io

import numpy as np



def raster_from() -> int:
    """Above this many words a 2D map is an image with the top words as points (the setting
    ``EMBEDVIZ_MAP_POINTS``, default 20,000: measured in a real browser through Streamlit, a map of
    100,000 points took ~4 s to redraw, 20,000 about 1.4 s, 5,000 0.5 s; an image with 10,000 points
    on it about 0.9 s; benchmarks/scale_bench.py)."""
    from embedviz.core.settings import setting

    return setting("EMBEDVIZ_MAP_POINTS")

#: The most frequent words drawn as interactive points over the image.
POINTS_ON_TOP = 10_000


def warm_up() -> None:
    """Render a tiny image once: datashader compiles its numba code on first use (~20 s on two
    cores, measured), which would otherwise be the first big map's wait."""
    rng = np.random.default_rng(0)
    coords = rng.normal(size=(500, 2)).astype(np.float32)
    for values, names in ((rng.integers(0, 3, 500), ["a", "b", "c"]), (rng.random(500), None), (None, None)):
        density_image(coords, values, names, (-3, 3), (-3, 3), 50, 40)
#: A 3D map (no image possible: it turns) draws at most this many words, most frequent first.
MOST_IN_3D = 200_000


def density_image(coords: np.ndarray, values: np.ndarray | None, names: list | None, x_range, y_range,
                  width: int, height: int, palette=("#1f77b4",), colormap=None) -> str:
    """A PNG (as a ``data:`` URI) of every point of ``coords`` (n x 2) within the ranges.

    ``values`` with ``names``: category codes 0..k-1, each pixel the mix of its categories'
    ``palette`` colours; ``values`` without names: numbers, each pixel their mean on ``colormap``
    (a list of colours); None: one colour. Brightness follows the number of words per pixel
    (histogram equalisation, so sparse regions stay visible).
    """
    import datashader as ds
    import datashader.transfer_functions as tf
    import pandas as pd

    frame = {"x": np.asarray(coords[:, 0], dtype=np.float32), "y": np.asarray(coords[:, 1], dtype=np.float32)}
    canvas = ds.Canvas(plot_width=int(width), plot_height=int(height), x_range=tuple(map(float, x_range)),
                       y_range=tuple(map(float, y_range)))
    if values is not None and names is not None:
        k = max(len(names), 1)
        frame["c"] = pd.Categorical(np.asarray(values, dtype=np.int64), categories=range(k))
        aggregate = canvas.points(pd.DataFrame(frame), "x", "y", ds.count_cat("c"))
        image = tf.shade(aggregate, color_key=[palette[c % len(palette)] for c in range(k)], how="eq_hist",
                         min_alpha=70)
    elif values is not None:
        frame["v"] = np.asarray(values, dtype=np.float32)
        aggregate = canvas.points(pd.DataFrame(frame), "x", "y", ds.mean("v"))
        image = tf.shade(aggregate, cmap=list(colormap or ("#440154", "#21918c", "#fde725")), how="linear")
    else:
        aggregate = canvas.points(pd.DataFrame(frame), "x", "y", ds.count())
        image = tf.shade(aggregate, cmap=["#c6dbef", palette[0]], how="eq_hist", min_alpha=70)
    buffer = io.BytesIO()
    image.to_pil().save(buffer, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
