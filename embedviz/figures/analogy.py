"""A picture of one analogy: the words, the answer and their neighbourhood, with the parallelogram.

The whole vocabulary's projection is the wrong place to look at ``king - man + woman``: the four words
are a few points among thousands, and the directions that separate them are not the ones that spread
the vocabulary. Here PCA is fitted on the unit vectors of just the words that matter (the inputs,
the answer and a few neighbours of each), so the two axes are the directions along which *these*
words differ most.

For an expression of the form ``a - b + c`` two arrows are drawn, ``b -> c`` (man -> woman) and
``a -> answer`` (king -> queen): when the analogy holds they are about parallel and of equal length.
The point ``a - b + c`` itself is marked too; PCA is an affine map, so that point is exactly the
fourth corner of the parallelogram on ``b``, ``a`` and ``c`` in the picture, and the answer is the
word nearest to it by cosine in the full space. Other expressions get their words and the answer,
without arrows.

>>> figure = analogy_figure(vectors, solve(vectors, "king - man + woman"))   # doctest: +SKIP
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from embedviz.core.lazy import load
from embedviz.space.analogy import Analogy
from embedviz.space.neighbours import neighbours
from embedviz.figures.text import plot_text
from embedviz.vectors.vectors import Vectors

#: Neighbours drawn around each input word and the answer, for context.
CONTEXT = 4

_INPUT_COLOUR = "#1f77b4"
_ANSWER_COLOUR = "#d62728"
_CONTEXT_COLOUR = "#9a9a9a"


class Parallelogram(NamedTuple):
    """The corners of ``a - b + c = answer``: ``king - man + woman = queen``."""

    a: str
    b: str
    c: str
    answer: str


def parallelogram(analogy: Analogy) -> Parallelogram | None:
    """The corners when ``analogy`` is ``a - b + c`` (weights exactly +1, -1, +1), else None.

    ``a`` is the first positive word as typed and ``c`` the second, so ``king - man + woman`` gives
    ``Parallelogram('king', 'man', 'woman', 'queen')``. Also None when there is no answer or the
    answer is one of the inputs (possible with ``keep_inputs``): there is no parallelogram to draw.
    """
    corners = _a_minus_b_plus_c(analogy)
    if corners is None or analogy.answer is None or analogy.answer in corners:
        return None
    return Parallelogram(*corners, analogy.answer)


def describe(analogy: Analogy) -> str:
    """One line saying what the figure of ``analogy`` shows (its title)."""
    corners = parallelogram(analogy)
    if corners is not None:
        return f"{corners.b} → {corners.c} beside {corners.a} → {corners.answer}"
    if _a_minus_b_plus_c(analogy) is None:
        return "Not of the form a - b + c: no parallelogram"
    if analogy.answer is None:
        return "No answer: the vocabulary holds no other word"
    return f"The answer is an input word ({analogy.answer}): no parallelogram"


def _a_minus_b_plus_c(analogy: Analogy) -> tuple[str, str, str] | None:
    positive = [t.word for t in analogy.terms if t.weight == 1.0]
    negative = [t.word for t in analogy.terms if t.weight == -1.0]
    if len(analogy.terms) != 3 or len(positive) != 2 or len(negative) != 1:
        return None
    return positive[0], negative[0], positive[1]


def neighbourhood(vectors: Vectors, analogy: Analogy, context: int = CONTEXT) -> list[str]:
    """The words drawn: the inputs (as the vocabulary spells them), the answer, then up to
    ``context`` nearest neighbours of each of them that are not drawn already."""
    words = list(dict.fromkeys([t.word for t in analogy.terms]
                               + ([analogy.answer] if analogy.answer else [])))
    if context > 0:
        for word in list(words):
            found = neighbours(vectors, word, k=context + len(words))
            words.extend([n.word for n in found if n.word not in words][:context])
    return words


def local_pca(vectors: Vectors, words: list[str]):
    """``(coords, pca)``: scikit-learn's PCA fitted on the unit vectors of ``words`` only.

    ``coords`` has two columns and one row per word; with fewer than two dimensions or words the
    missing axis is 0. ``pca`` is the fitted estimator (to place other points the same way).
    """
    PCA = load("sklearn.decomposition").PCA

    unit = vectors.unit[[vectors.index[w] for w in words]]
    components = min(2, len(words), vectors.dim)
    pca = PCA(n_components=components).fit(unit)
    return _pad(pca.transform(unit)), pca


def _pad(coords: np.ndarray) -> np.ndarray:
    out = np.zeros((len(coords), 2), dtype=np.float64)
    out[:, : coords.shape[1]] = coords
    return out


def analogy_figure(vectors: Vectors, analogy: Analogy, *, context: int = CONTEXT,
                   height: int = 560) -> go.Figure:
    """The analogy's words in a 2D PCA of their own neighbourhood (see the module's docstring).

    Traces, by name: ``context`` (grey neighbours), ``inputs`` (the expression's words, blue),
    ``answer`` (red) and, for ``a - b + c``, ``a - b + c`` (the computed point, an open circle).
    Arrows are layout annotations: ``b -> c`` and ``a -> answer``.
    """
    words = neighbourhood(vectors, analogy, context)
    coords, pca = local_pca(vectors, words)
    where = {w: coords[i] for i, w in enumerate(words)}
    inputs = [t.word for t in analogy.terms]
    answer = [analogy.answer] if analogy.answer and analogy.answer not in inputs else []
    others = [w for w in words if w not in inputs and w not in answer]
    figure = go.Figure()
    _points(figure, others, where, "context", dict(size=7, color=_CONTEXT_COLOUR),
            dict(size=11, color=_CONTEXT_COLOUR))
    _points(figure, inputs, where, "inputs", dict(size=13, color=_INPUT_COLOUR),
            dict(size=15, color=_INPUT_COLOUR))
    _points(figure, answer, where, "answer", dict(size=17, color=_ANSWER_COLOUR, symbol="star"),
            dict(size=16, color=_ANSWER_COLOUR))
    corners = parallelogram(analogy)
    if corners is not None:
        unit = vectors.unit
        target = unit[vectors.index[corners.a]] - unit[vectors.index[corners.b]] + unit[vectors.index[corners.c]]
        point = _pad(pca.transform(target[None, :]))[0]
        figure.add_trace(go.Scatter(
            x=[point[0]], y=[point[1]], mode="markers", name="a - b + c",
            marker=dict(size=14, color="rgba(0,0,0,0)", line=dict(width=2, color=_ANSWER_COLOUR)),
            customdata=[plot_text(f"{corners.a} - {corners.b} + {corners.c}")],
            hovertemplate="%{customdata}<extra></extra>"))
        _arrow(figure, where[corners.b], where[corners.c], _INPUT_COLOUR)
        _arrow(figure, where[corners.a], where[corners.answer], _ANSWER_COLOUR)
    figure.update_layout(
        title=dict(text=plot_text(describe(analogy)), font=dict(size=14)), height=height, showlegend=False,
        margin=dict(l=10, r=10, t=50, b=10), dragmode="pan",
        xaxis=dict(title="PC 1 of these words", zeroline=False),
        yaxis=dict(title="PC 2", zeroline=False, scaleanchor="x", scaleratio=1))
    return figure


def _points(figure: go.Figure, words: list[str], where: dict, name: str, marker: dict,
            font: dict) -> None:
    if not words:
        return
    xy = np.array([where[w] for w in words])
    # Words are escaped (embedviz.figures.text): plotly would render a word such as <b>x</b> as HTML.
    figure.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers+text", name=name,
                                text=[plot_text(w) for w in words],
                                textposition="top center", textfont=font, marker=marker,
                                hovertemplate="%{text}<extra>" + name + "</extra>"))


def _arrow(figure: go.Figure, tail, head, colour: str) -> None:
    figure.add_annotation(x=float(head[0]), y=float(head[1]), ax=float(tail[0]), ay=float(tail[1]),
                          xref="x", yref="y", axref="x", ayref="y", text="", showarrow=True,
                          arrowhead=3, arrowsize=1.2, arrowwidth=2.5, arrowcolor=colour,
                          standoff=8, startstandoff=8)
