"""Plotly figures of a corpus and of a training: the Zipf plot and the learning curve.

Plain plotly objects built from engine results (corpus statistics, progress reports); pages only
display them.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

#: A Zipf curve is monotone: beyond this many ranks, log-spaced ranks draw the same picture.
ZIPF_POINTS = 2000


def zipf_figure(frequencies, *, title: str | None = "Zipf plot: word frequency against rank",
                height: int = 420) -> go.Figure:
    """Rank/frequency of every word on log-log axes, with Zipf's law (frequency ~ 1/rank) for reference.

    ``frequencies``: each word's count, any order (``CorpusStatistics.frequencies``). A vocabulary
    larger than :data:`ZIPF_POINTS` is drawn at log-spaced ranks (the first and last included):
    the curve is monotone, so nothing visible is lost, and the browser gets a small figure.
    """
    counts = np.sort(np.asarray(frequencies, dtype=np.float64))[::-1]
    counts = counts[counts > 0]
    figure = go.Figure()
    if counts.size == 0:
        figure.add_annotation(text="no words", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    else:
        ranks = np.arange(1, counts.size + 1)
        if counts.size > ZIPF_POINTS:
            picked = np.unique(np.geomspace(1, counts.size, ZIPF_POINTS).round().astype(np.int64)) - 1
        else:
            picked = ranks - 1
        figure.add_trace(go.Scatter(
            x=ranks[picked], y=counts[picked], mode="lines+markers", name="words",
            marker=dict(size=4), line=dict(width=2),
            hovertemplate="rank %{x:,}<br>%{y:,.0f} occurrences<extra></extra>"))
        ends = np.array([1, counts.size])
        figure.add_trace(go.Scatter(
            x=ends, y=counts[0] / ends, mode="lines", name="Zipf's law (1/rank)",
            line=dict(dash="dash", color="#888"), hoverinfo="skip"))
    # One tick per power of ten: plotly's default log ticks (2, 5, 10k, 2, 5...) are hard to read.
    figure.update_xaxes(type="log", title="rank", dtick=1)
    figure.update_yaxes(type="log", title="frequency", dtick=1)
    figure.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=50 if title else 10, b=10),
                         legend=dict(orientation="h", yanchor="bottom", y=1.0, x=1, xanchor="right"))
    return figure


def loss_figure(history, *, epochs: int | None = None, title: str | None = "Training loss per epoch",
                height: int = 320) -> go.Figure:
    """The learning curve: each epoch's training loss (word2vec), else its words per second.

    ``history``: progress reports as dicts (``Progress.to_dict()``, a job's events or a model's
    ``meta["history"]``); reports of other stages are skipped. ``epochs`` fixes the x axis, so a
    curve drawn live does not rescale with every new epoch. gensim's FastText reports no loss:
    its figure shows the training speed instead and says so.
    """
    # An engine's running reports (Spark's stages, with a detail) are not epochs.
    rows = [h for h in history if h.get("epoch") and h.get("stage", "training") == "training" and not h.get("detail")]
    epochs_axis = [h["epoch"] for h in rows]
    losses = [h.get("loss") for h in rows]
    figure = go.Figure()
    if rows and all(v is not None for v in losses):
        figure.add_trace(go.Scatter(x=epochs_axis, y=losses, mode="lines+markers", name="loss",
                                    hovertemplate="epoch %{x}<br>loss %{y:,.0f}<extra></extra>"))
        figure.update_yaxes(title="loss", rangemode="tozero")
    elif rows:
        speeds = [h.get("words_per_second") for h in rows]
        figure.add_trace(go.Scatter(x=epochs_axis, y=speeds, mode="lines+markers", name="words/s",
                                    hovertemplate="epoch %{x}<br>%{y:,.0f} words/s<extra></extra>"))
        figure.update_yaxes(title="words per second", rangemode="tozero")
        title = "Words per second per epoch (this trainer reports no loss)"
    else:
        figure.add_annotation(text="waiting for the first epoch...", showarrow=False, x=0.5, y=0.5,
                              xref="paper", yref="paper")
    last = max([epochs or 0, *epochs_axis, 1])
    figure.update_xaxes(title="epoch", range=[0.5, last + 0.5], dtick=max(1, round(last / 10)))
    figure.update_layout(title=title, height=height, showlegend=False,
                         margin=dict(l=10, r=10, t=50 if title else 10, b=10))
    return figure
