"""Text for plotly figures: what a user typed or uploaded, shown as text and never as markup.

Plotly renders a subset of HTML in every text it draws (trace ``text``, hover labels, titles,
annotations, tick labels): ``<b>``, ``<i>``, ``<br>``, ``<a href=...>``, ``<span style=...>``, and it
decodes character references (``&lt;``). A word of an imported vectors file such as ``<b>x</b>`` or
``<a href="...">`` would be drawn bold or as a link. Every figure module passes user text (words,
category names, column names) through :func:`plot_text` or :func:`plot_texts` first; ``html.escape``
turns it into references that plotly decodes back to the very characters typed.

User text never goes into a ``hovertemplate`` itself (``%{...}`` there is a template): it travels in
``text``, ``customdata`` or ``meta`` and the template refers to it.

>>> plot_text("<b>x</b> & y")
'&lt;b&gt;x&lt;/b&gt; &amp; y'
"""

from __future__ import annotations

import html
from typing import Iterable

import numpy as np

_SPECIAL = ("<", ">", "&")


def plot_text(text) -> str:
    """``text`` (made a string) with ``<``, ``>`` and ``&`` as character references."""
    return html.escape(str(text), quote=False)


def plot_texts(texts: Iterable) -> np.ndarray:
    """:func:`plot_text` of each of ``texts``, as a numpy array of strings (plotly validates an
    array at once, a list element by element). Most vocabularies need no escaping at all: that case
    is detected in one pass and costs a join."""
    texts = [str(t) for t in texts]
    joined = "\0".join(texts)
    if any(c in joined for c in _SPECIAL):
        texts = [plot_text(t) for t in texts]
    return np.asarray(texts, dtype=np.str_)
