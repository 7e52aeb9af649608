"""Figures of typed axes: a map whose coordinates are cosines with two directions, and the words
ranked along one direction."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from embedviz.figures.maps import FOCUS_COLOUR
from embedviz.figures.text import plot_text, plot_texts
from embedviz.space.axes import AxisMap


def axis_map_figure(found: AxisMap, labels: int = 30, highlight=(), height: int = 620) -> go.Figure:
    """The placed words at (cosine with x, cosine with y); the words at the axes' ends labelled."""
    coords, words = found.coords, found.words
    figure = go.Figure(go.Scattergl(
        x=coords[:, 0], y=coords[:, 1], mode="markers", text=plot_texts(words), name="words",
        hovertemplate="%{text}<br>x %{x:.3f}<br>y %{y:.3f}<extra></extra>",
        marker=dict(size=5, color=np.log10(np.maximum(found.counts, 1)), colorscale="Blues", cmin=0,
                    showscale=True, colorbar=dict(title="log10 count", thickness=12)), showlegend=False))
    ends = set()
    per_end = max(1, labels // 4)
    for which in ("x", "y"):
        for side in found.ends(which, per_end).values():
            ends.update(n.word for n in side)
    index = {w: i for i, w in enumerate(words)}
    marked = [index[w] for w in dict.fromkeys([*highlight, *sorted(ends)]) if w in index]
    if marked:
        chosen = set(highlight)
        figure.add_trace(go.Scattergl(
            x=coords[marked, 0], y=coords[marked, 1], mode="markers+text", text=plot_texts([words[i] for i in marked]),
            textposition="top center", hoverinfo="text", showlegend=False, name="labelled",
            marker=dict(size=[11 if words[i] in chosen else 6 for i in marked],
                        color=[FOCUS_COLOUR if words[i] in chosen else "#444" for i in marked])))
    figure.add_hline(y=0, line=dict(color="#bbb", width=1))
    figure.add_vline(x=0, line=dict(color="#bbb", width=1))
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), dragmode="select",
                         xaxis_title=plot_text(f"cosine with  {found.x.expression}"),
                         yaxis_title=plot_text(f"cosine with  {found.y.expression}"),
                         meta={"words": len(words)})
    return figure


def axis_ranking_figure(scores, expression: str, ends: int = 15, height: int | None = None) -> go.Figure:
    """One direction: the ``ends`` highest and lowest words as horizontal bars (all of them for a
    short typed list)."""
    shown = list(scores) if len(scores) <= 2 * ends else [*scores[:ends], *scores[-ends:]]
    shown = shown[::-1]  # the highest at the top
    figure = go.Figure(go.Bar(
        x=[s.score for s in shown], y=plot_texts([s.word for s in shown]), orientation="h",
        marker_color=["#2ca02c" if s.score >= 0 else "#d62728" for s in shown],
        hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    figure.update_layout(height=height or max(300, 22 * len(shown) + 80), margin=dict(l=10, r=10, t=40, b=10),
                         title=plot_text(f"along  {expression}"), xaxis_title="cosine with the direction",
                         yaxis=dict(type="category"), meta={"words": len(scores)})
    return figure
