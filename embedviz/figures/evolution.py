"""Figures of a space forming during training: the epochs' maps as plotly animation frames (a
slider and a play button), a searched word's path across them, and the loss per epoch."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from embedviz.figures.maps import FOCUS_COLOUR, extent
from embedviz.figures.text import plot_text, plot_texts
from embedviz.space.evolution import Evolution

#: Words drawn per frame: the snapshot's most frequent, all of them up to this.
FRAME_WORDS = 2_000


def evolution_figure(found: Evolution, word: str | None = None, neighbours=(), height: int = 600) -> go.Figure:
    """Frame ``e`` is epoch ``e + 1``'s map; the figure opens on the last epoch. With ``word``, its
    path across the epochs is drawn (a line through its places, numbered) and, per frame, it and
    its ``neighbours`` (words) are marked."""
    n = min(FRAME_WORDS, len(found.words))
    words = found.words[:n]
    hover = plot_texts(words)
    ranges = extent(found.coords[:, :n].reshape(-1, found.coords.shape[-1]))
    near_rows = [found.words.index(w) for w in neighbours if w in found.words[:n]]
    focus = found.index_of(word) if word is not None else None

    def frame_data(e: int) -> list:
        coords = found.coords[e, :n]
        data = [go.Scattergl(x=coords[:, 0], y=coords[:, 1], mode="markers", text=hover, name="words",
                             customdata=found.shift_to_final[e, :n],
                             hovertemplate="%{text}<br>shift to final %{customdata:.3f}<extra></extra>",
                             marker=dict(size=4, color=found.shift_to_final[e, :n], colorscale="Viridis",
                                         cmin=0, cmax=1, showscale=True,
                                         colorbar=dict(title="shift to<br>final", thickness=12)))]
        if focus is not None:
            rows = [focus, *near_rows]
            points = found.coords[e, rows]
            data.append(go.Scattergl(
                x=points[:, 0], y=points[:, 1], mode="markers+text", text=plot_texts([found.words[i] for i in rows]),
                textposition="top center", name="word", hoverinfo="text",
                marker=dict(size=[12] + [7] * len(near_rows), color=[FOCUS_COLOUR] + ["#ff7f0e"] * len(near_rows))))
        return data

    last = found.epochs - 1
    figure = go.Figure(data=frame_data(last))
    if focus is not None:
        path = found.path(word)
        figure.add_trace(go.Scattergl(x=path[:, 0], y=path[:, 1], mode="lines+markers+text",
                                      text=[str(e + 1) for e in range(found.epochs)], textposition="bottom right",
                                      line=dict(color=FOCUS_COLOUR, width=1, dash="dot"), marker=dict(size=5),
                                      name=plot_text(f"path of {word}"), hoverinfo="skip"))
    traces = list(range(len(frame_data(0))))
    figure.frames = [go.Frame(data=frame_data(e), name=str(e + 1), traces=traces) for e in range(found.epochs)]
    steps = [dict(method="animate", label=str(e + 1),
                  args=[[str(e + 1)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                           transition=dict(duration=0))]) for e in range(found.epochs)]
    figure.update_layout(
        height=height, margin=dict(l=10, r=10, t=30, b=10), showlegend=False,
        xaxis=dict(range=list(ranges[0]), showticklabels=False, zeroline=False),
        yaxis=dict(range=list(ranges[1]), showticklabels=False, zeroline=False),
        # the slider starts right of the Play / Pause buttons, so neither covers the other
        sliders=[dict(active=last, steps=steps, currentvalue=dict(prefix="epoch "), x=0.16, len=0.84,
                      y=0, yanchor="top", pad=dict(t=30))],
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0, y=0, xanchor="left",
                          yanchor="top", pad=dict(t=45), buttons=[
                              dict(label="Play", method="animate",
                                   args=[None, dict(frame=dict(duration=700, redraw=True), fromcurrent=False,
                                                    transition=dict(duration=0))]),
                              dict(label="Pause", method="animate",
                                   args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))])])],
        meta={"words": n, "epochs": found.epochs})
    return figure


def shift_by_epoch_figure(found: Evolution, words=(), height: int = 260) -> go.Figure:
    """Median shift to the final vectors per epoch (all kept words), and each of ``words``'."""
    epochs = np.arange(1, found.epochs + 1)
    figure = go.Figure(go.Scatter(x=epochs, y=np.median(found.shift_to_final, axis=1), mode="lines+markers",
                                  name="median of the kept words", line=dict(color="#1f77b4")))
    for word in words:
        figure.add_trace(go.Scatter(x=epochs, y=found.shift_to_final[:, found.index_of(word)],
                                    mode="lines+markers", name=plot_text(word)))
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="epoch",
                         yaxis_title="shift to final", title="How far from its final place", xaxis=dict(dtick=1))
    return figure
