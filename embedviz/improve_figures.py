"""Plotly figures for improving a model: learning curves, hyperparameter searches, per-epoch curves.

Each takes an engine result (:class:`~embedviz.curves.LearningCurve`, :class:`~embedviz.tune.TuneResult`,
a list of progress reports) or its ``to_dict()`` (as a background job writes it), and returns a
plain ``go.Figure``; pages only display them.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .curves import SCORE_NAMES as SCORE_LABELS
from .plot_text import plot_text

#: A learning curve's verdict (see embedviz.curve_reading) in a few words, for a title.
HEADLINES = {
    "rising": "still rising, more data helps",
    "flattened": "flattened, a better model rather than more data",
    "overfitting": "overfitting, regularise or add data",
    "underfitting": "underfitting, give the model more capacity",
    "too noisy": "too noisy to tell",
    "no signal": "no signal on this benchmark",
    "too few points": "too few points to read",
}


def _as_dict(result) -> dict:
    return result if isinstance(result, dict) else result.to_dict()


def _message(figure: go.Figure, text: str) -> go.Figure:
    figure.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def _layout(figure: go.Figure, title: str | None, height: int) -> go.Figure:
    # The legend goes below the plot: above it, it covered the subplot titles ("accuracy").
    figure.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=60 if title else 30, b=10),
                         legend=dict(orientation="h", yanchor="top", y=-0.2, x=0.5, xanchor="center"))
    return figure


# -- hyperparameter search -----------------------------------------------------------------------
def tuning_history_figure(result, *, title: str | None = "Search history: score per trial",
                          height: int = 380) -> go.Figure:
    """Each completed trial's score (trial 0, the defaults, as a star) and the best so far.

    Two traces: ``trial score`` (markers) and ``best so far`` (a step line); the defaults' score is
    a dashed horizontal line, so the gain of the search reads off the plot.
    """
    summary = _as_dict(result)
    label = SCORE_LABELS.get(summary["score"], summary["score"])
    done = [t for t in summary["trials"] if t["state"] == "complete"]
    figure = go.Figure()
    if not done:
        return _layout(_message(figure, "no completed trial yet"), title, height)
    numbers = [t["number"] for t in done]
    scores = [t["score"] for t in done]
    best, running = [], float("-inf")
    for value in scores:
        running = max(running, value)
        best.append(running)
    hover = ["<br>".join(plot_text(f"{k} = {_short(v)}") for k, v in t["params"].items()) for t in done]
    figure.add_trace(go.Scatter(
        x=numbers, y=scores, mode="markers", name="trial score", customdata=hover,
        marker=dict(size=[14 if n == 0 else 9 for n in numbers],
                    symbol=["star" if n == 0 else "circle" for n in numbers]),
        hovertemplate="trial %{x}<br>score %{y:.4f}<br>%{customdata}<extra></extra>"))
    figure.add_trace(go.Scatter(x=numbers, y=best, mode="lines", name="best so far",
                                line=dict(shape="hv", width=2), hoverinfo="skip"))
    figure.add_hline(y=summary["default_score"], line=dict(dash="dash", color="#888"),
                     annotation_text="defaults", annotation_position="bottom right")
    figure.update_xaxes(title="trial (0 = defaults)", dtick=max(1, round(len(summary["trials"]) / 10)))
    figure.update_yaxes(title=label)
    return _layout(figure, title, height)


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def importance_figure(result, *, seed: int = 0, title: str | None = "Which parameter mattered (fANOVA)",
                      height: int = 320) -> go.Figure:
    """Horizontal bars of each parameter's share of the score's variance, or a message saying why
    there are none (too few trials, no variation)."""
    from .tune import ImportanceUnavailable, param_importances

    figure = go.Figure()
    try:
        importances = param_importances(result, seed=seed)
    except ImportanceUnavailable as exc:
        return _layout(_message(figure, str(exc)), title, height)
    names = list(importances)[::-1]  # largest on top
    figure.add_trace(go.Bar(x=[importances[n] for n in names], y=names, orientation="h", name="importance",
                            hovertemplate="%{y}: %{x:.0%}<extra></extra>"))
    figure.update_xaxes(title="share of the score's variance", tickformat=".0%", rangemode="tozero")
    figure.update_layout(showlegend=False)
    return _layout(figure, title, height)


# -- learning curves -----------------------------------------------------------------------------
def learning_curve_figure(curve, *, title: str | None = None, height: int = 400) -> go.Figure:
    """Score against the fraction of data (log x), each point with its noise (one standard error);
    the training score beside it (the classifier), the benchmark coverage on a second axis (word
    vectors). The default title is the verdict in a few words; the page shows the full ``reading``
    beside it."""
    summary = _as_dict(curve)
    points = [p for p in summary["points"] if p.get("score") is not None]
    label = SCORE_LABELS.get(summary["score"], summary["score"])
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    if title is None:
        title = "Learning curve: " + HEADLINES.get(summary.get("verdict"), "score against data")
    if not points:
        return _layout(_message(figure, "no scored point yet"), title, height)
    x = [p["fraction"] for p in points]
    hover = [f"{p['documents']:,} documents" + (f", {p['tokens']:,} tokens" if p.get("tokens") else "")
             for p in points]
    noise = summary.get("point_noise")
    error = dict(type="data", array=noise, visible=True, thickness=1) if noise and len(noise) == len(x) else None
    figure.add_trace(go.Scatter(x=x, y=[p["score"] for p in points], mode="lines+markers",
                                name="validation" if summary["kind"] == "classifier" else label,
                                customdata=hover, error_y=error,
                                hovertemplate="%{x:.0%} of the data<br>%{customdata}<br>score %{y:.4f}"
                                              "<extra></extra>"))
    if any(p.get("train_score") is not None for p in points):
        figure.add_trace(go.Scatter(x=x, y=[p.get("train_score") for p in points], mode="lines+markers",
                                    name="training", line=dict(dash="dash"),
                                    hovertemplate="%{x:.0%} of the data<br>training %{y:.4f}<extra></extra>"))
    coverage = [p.get("details", {}).get("coverage") for p in points]
    if any(c is not None for c in coverage):
        figure.add_trace(go.Scatter(x=x, y=coverage, mode="lines+markers", name="coverage",
                                    line=dict(dash="dot", color="#888"),
                                    hovertemplate="coverage %{y:.1%}<extra></extra>"), secondary_y=True)
        figure.update_yaxes(title="benchmark coverage", tickformat=".0%", rangemode="tozero", secondary_y=True)
    figure.update_xaxes(type="log", title="fraction of the data (log scale)", tickvals=x,
                        ticktext=[f"{f:.0%}" for f in x])
    figure.update_yaxes(title=label, secondary_y=False)
    figure.update_layout(hovermode="x unified")
    return _layout(figure, title, height)


def epochs_figure(history, *, title: str | None = "Loss and accuracy per epoch", height: int = 360) -> go.Figure:
    """Training and validation loss (left) and accuracy (right) per epoch.

    ``history``: :class:`~embedviz.train.Progress` reports or their dicts (a classifier's history,
    a job's events, a model's ``meta["history"]``); reports of other stages are skipped, and a
    series with no values (word2vec has no validation) is left out.
    """
    rows = [asdict(h) if is_dataclass(h) else dict(h) for h in history]
    rows = [h for h in rows if h.get("epoch") and h.get("stage", "training") == "training"]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"))
    if not rows:
        return _layout(_message(figure, "waiting for the first epoch..."), title, height)
    epochs = [h["epoch"] for h in rows]
    series = [("loss", "training loss", 1, "#1f77b4", "solid"), ("val_loss", "validation loss", 1, "#ff7f0e", "dash"),
              ("accuracy", "training accuracy", 2, "#1f77b4", "solid"),
              ("val_accuracy", "validation accuracy", 2, "#ff7f0e", "dash")]
    for key, name, col, colour, dash in series:
        values = [h.get(key) for h in rows]
        if all(v is None for v in values):
            continue
        figure.add_trace(go.Scatter(x=epochs, y=values, mode="lines+markers", name=name,
                                    line=dict(color=colour, dash=dash),
                                    hovertemplate=f"epoch %{{x}}<br>{name} %{{y:.4f}}<extra></extra>"),
                         row=1, col=col)
    figure.update_xaxes(title="epoch", dtick=max(1, round(max(epochs) / 10)))
    figure.update_yaxes(tickformat=".0%", row=1, col=2)
    return _layout(figure, title, height)


__all__ = ["epochs_figure", "importance_figure", "learning_curve_figure", "tuning_history_figure"]
