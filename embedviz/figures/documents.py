"""The map of documents: one point per document, coloured by a label column, its text on hover."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from embedviz.figures.maps import FOCUS_COLOUR, NEIGHBOUR_COLOUR, NEIGHBOUR_TEXT, PALETTE, extent
from embedviz.figures.text import plot_text
from embedviz.space.clusters import categories

#: Characters of a document's text in its hover box, wrapped every WRAP.
HOVER_CHARS, WRAP = 160, 60


def _wrapped(text: str) -> str:
    text = text[:HOVER_CHARS]
    return "<br>".join(text[i:i + WRAP] for i in range(0, len(text), WRAP))


def documents_figure(found, focus: int | None = None, nearest=(), height: int = 620) -> go.Figure:
    """``found``: a :class:`embedviz.space.documents.DocumentMap` (2D or 3D). ``focus``: a document's
    row, marked with its ``nearest`` rows (their names, as Neighbours) ringed."""
    docs, coords = found.documents, found.projection.coords
    three_d = coords.shape[1] == 3
    scatter = go.Scatter3d if three_d else go.Scattergl
    hover = [f"{plot_text(n)}<br>{plot_text(_wrapped(t))}" for n, t in zip(docs.names, docs.texts)]
    figure = go.Figure()
    axes = dict(x=coords[:, 0], y=coords[:, 1], **({"z": coords[:, 2]} if three_d else {}))
    if found.label_column is not None:
        groups = categories(found.label_values)
        for c, name in enumerate(groups.names):
            rows = np.flatnonzero(groups.codes == c)
            figure.add_trace(scatter(
                **{k: v[rows] for k, v in axes.items()}, mode="markers", name=plot_text(name),
                text=[hover[i] for i in rows], customdata=rows, hovertemplate="%{text}<extra></extra>",
                marker=dict(size=3 if three_d else 5, opacity=0.7, color=PALETTE[c % len(PALETTE)])))
    else:
        figure.add_trace(scatter(**axes, mode="markers", name="documents", text=hover,
                                 customdata=np.arange(len(docs)), hovertemplate="%{text}<extra></extra>",
                                 marker=dict(size=3 if three_d else 5, opacity=0.6, color=PALETTE[0])))
    if focus is not None:
        index = {n: i for i, n in enumerate(docs.names)}
        near = [index[n.word] for n in nearest if n.word in index]
        for rows, colour, size, name in ((near, NEIGHBOUR_COLOUR, 9, "nearest"), ([focus], FOCUS_COLOUR, 13, "chosen")):
            if rows:
                figure.add_trace(scatter(
                    **{k: v[rows] for k, v in axes.items()}, mode="markers", name=name, hoverinfo="skip",
                    showlegend=False, marker=dict(size=size if not three_d else size / 2, color=colour,
                                                  line=dict(width=1.5, color=NEIGHBOUR_TEXT))))
    layout = dict(height=height, margin=dict(l=0, r=0, t=10, b=0), legend=dict(title=plot_text(found.label_column or ""),
                  itemsizing="constant"), meta={"documents": len(docs)})
    if not three_d:
        ranges = extent(coords)
        layout.update(xaxis=dict(range=list(ranges[0]), zeroline=False, showticklabels=False),
                      yaxis=dict(range=list(ranges[1]), zeroline=False, showticklabels=False), dragmode="pan")
    figure.update_layout(**layout)
    return figure


def document_rows(points, n: int) -> list[int]:
    """The documents' rows from a plotly selection's points (their ``customdata``), sorted."""
    rows = set()
    for point in points or ():
        value = point.get("customdata")
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if isinstance(value, (int, float)) and 0 <= int(value) < n:
            rows.add(int(value))
    return sorted(rows)


