"""Figures of a comparison of two models: their maps side by side in the aligned space.

Both panels share one PCA basis fitted on model A (:func:`embedviz.space.comparison.aligned_maps`),
so a word that sits in the same place in both did not move; colour is its shift. Highlighted words
are drawn on top in both panels with their labels, and a faint line joins each one's two places
when drawn over one panel ("where it went").
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedviz.figures.maps import FOCUS_COLOUR
from embedviz.figures.text import plot_text, plot_texts

SHIFT_SCALE = "Viridis"


def comparison_figure(maps: dict, name_a: str, name_b: str, highlight=(), height: int = 560) -> go.Figure:
    """Two scatter panels (A, B aligned onto A), coloured by shift, ``highlight`` words marked."""
    words, shift = maps["words"], maps["shift"]
    figure = make_subplots(rows=1, cols=2, shared_xaxes=True, shared_yaxes=True, horizontal_spacing=0.03,
                           subplot_titles=(plot_text(f"A: {name_a}"), plot_text(f"B: {name_b}, rotated onto A")))
    hover = plot_texts(words)
    top = float(np.quantile(shift, 0.99)) if len(shift) else 1.0
    for col, key in ((1, "a"), (2, "b")):
        coords = maps[key]
        figure.add_trace(go.Scattergl(
            x=coords[:, 0], y=coords[:, 1], mode="markers", name=f"words ({key.upper()})", text=hover,
            customdata=shift, hovertemplate="%{text}<br>shift %{customdata:.3f}<extra></extra>",
            marker=dict(size=5, color=shift, colorscale=SHIFT_SCALE, cmin=0, cmax=max(top, 1e-6),
                        showscale=col == 2, colorbar=dict(title="shift", thickness=12)),
            showlegend=False), row=1, col=col)
    index = {w: i for i, w in enumerate(words)}
    rows = [index[w] for w in dict.fromkeys(highlight) if w in index]
    if rows:
        for col, key in ((1, "a"), (2, "b")):
            coords = maps[key][rows]
            figure.add_trace(go.Scattergl(
                x=coords[:, 0], y=coords[:, 1], mode="markers+text", text=plot_texts([words[i] for i in rows]),
                textposition="top center", marker=dict(size=11, color=FOCUS_COLOUR, line=dict(width=1, color="white")),
                name="highlighted", showlegend=False, hoverinfo="text"), row=1, col=col)
        # In B's panel, a line from where the word is in A to where it is in B.
        xs, ys = [], []
        for i in rows:
            xs += [float(maps["a"][i, 0]), float(maps["b"][i, 0]), None]
            ys += [float(maps["a"][i, 1]), float(maps["b"][i, 1]), None]
        figure.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", line=dict(color=FOCUS_COLOUR, width=1, dash="dot"),
                                      name="moved from A", showlegend=False, hoverinfo="skip"), row=1, col=2)
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), dragmode="select",
                         meta={"words": len(words), "highlighted": [words[i] for i in rows]})
    figure.update_xaxes(showticklabels=False, zeroline=False)
    figure.update_yaxes(showticklabels=False, zeroline=False)
    return figure


def shift_histogram(shifts, rare_shifts=None, height: int = 260) -> go.Figure:
    """How the shifts spread; rare words (noisy) apart when given."""
    figure = go.Figure(go.Histogram(x=np.asarray(shifts), name="compared words", nbinsx=60, marker_color="#1f77b4"))
    if rare_shifts is not None and len(rare_shifts):
        figure.add_trace(go.Histogram(x=np.asarray(rare_shifts), name="rare words", nbinsx=60,
                                      marker_color="#ff7f0e", opacity=0.7))
    figure.update_layout(barmode="overlay", height=height, margin=dict(l=10, r=10, t=30, b=10),
                         xaxis_title="shift (1 - cosine after alignment)", yaxis_title="words",
                         title="How far the words moved")
    return figure
