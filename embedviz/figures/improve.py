"""Plotly figures for improving a model: learning curves, hyperparameter searches, per-epoch curves.

Each takes an engine result (:class:`~embedviz.training.curves.LearningCurve`, :class:`~embedviz.training.tune.TuneResult`,
a list of progress reports) or its ``to_dict()`` (as a background job writes it), and returns a
plain ``go.Figure``; pages only display them.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedviz.training.curves import SCORE_NAMES as SCORE_LABELS

#: A learning curve's verdict (see embedviz.training.curve_reading) in a few words, for a title.
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
    """Optuna's optimisation history (each completed trial's score and the best so far, from
    ``optuna.visualization``), with the defaults' score (trial 0) as a dashed line, so the gain of
    the search reads off the plot; or a message when no trial is complete yet."""
    from optuna.visualization import plot_optimization_history

    from embedviz.training.search_reading import study_of

    summary = _as_dict(result)
    label = SCORE_LABELS.get(summary["score"], summary["score"])
    if not [t for t in summary["trials"] if t["state"] == "complete"]:
        return _layout(_message(go.Figure(), "no completed trial yet"), title, height)
    figure = plot_optimization_history(study_of(summary, checked=False), target_name=label)
    figure.add_hline(y=summary["default_score"], line=dict(dash="dash", color="#888"),
                     annotation_text="defaults (trial 0)", annotation_position="bottom right")
    figure.update_xaxes(title="trial (0 = defaults)")
    return _layout(figure, title, height)


def importance_figure(result, *, seed: int = 0, title: str | None = "Which parameter mattered (fANOVA)",
                      height: int = 320) -> go.Figure:
    """Optuna's parameter importances (fANOVA, seeded; ``optuna.visualization``), or a message
    saying why there are none (too few trials, no variation)."""
    import warnings

    from optuna.importance import FanovaImportanceEvaluator
    from optuna.visualization import plot_param_importances

    from embedviz.training.search_reading import ImportanceUnavailable, study_of

    try:
        study = study_of(_as_dict(result))
    except ImportanceUnavailable as exc:
        return _layout(_message(go.Figure(), str(exc)), title, height)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figure = plot_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
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

    ``history``: :class:`~embedviz.training.gensim.Progress` reports or their dicts (a classifier's history,
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
