"""Plotly figures of the space: scatter plots of projections, with labels and highlighted words.

Figures are plain plotly objects built from engine results; pages only display them.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .projection import Projection


def scatter(projection: Projection, *, labels: int = 40, highlight=(), color=None,
            color_title: str | None = None, title: str | None = None, height: int = 600) -> go.Figure:
    """A WebGL scatter of a projection (``Scattergl`` in 2D, ``Scatter3d`` in 3D).

    ``labels``: how many of the most frequent words get a text label. ``highlight``: words drawn
    larger, in red, with their labels. ``color``: one number or category per word.
    """
    coords = projection.coords
    words = projection.words
    three_d = projection.dims == 3
    marker = dict(size=3 if three_d else 5, opacity=0.75)
    if color is not None:
        marker.update(color=color, colorscale="Viridis", showscale=color_title is not None,
                      colorbar=dict(title=color_title) if color_title else None)
    if three_d:
        trace = go.Scatter3d(x=coords[:, 0], y=coords[:, 1], z=coords[:, 2], mode="markers", text=words,
                             hovertemplate="%{text}<extra></extra>", marker=marker, name="words")
    else:
        trace = go.Scattergl(x=coords[:, 0], y=coords[:, 1], mode="markers", text=words,
                             hovertemplate="%{text}<extra></extra>", marker=marker, name="words")
    figure = go.Figure(trace)
    index = {w: i for i, w in enumerate(words)}
    shown = [i for i in range(min(labels, len(words)))]
    marked = [index[w] for w in highlight if w in index]
    for rows, style, name in ((shown, dict(size=11, color="#444"), "labels"),
                              (marked, dict(size=14, color="#d62728"), "highlight")):
        if not rows:
            continue
        rows = np.array(rows)
        text = [words[i] for i in rows]
        if three_d:
            figure.add_trace(go.Scatter3d(x=coords[rows, 0], y=coords[rows, 1], z=coords[rows, 2],
                                          mode="text" if name == "labels" else "markers+text", text=text,
                                          textfont=style, name=name, hoverinfo="skip",
                                          marker=dict(size=6, color=style["color"])))
        else:
            figure.add_trace(go.Scatter(x=coords[rows, 0], y=coords[rows, 1],
                                        mode="text" if name == "labels" else "markers+text", text=text,
                                        textposition="top center", textfont=style, name=name,
                                        hoverinfo="skip", marker=dict(size=10, color=style["color"])))
    figure.update_layout(title=title, height=height, showlegend=False, margin=dict(l=0, r=0, t=40, b=0),
                         dragmode="pan" if not three_d else "orbit")
    return figure
