"""The Home page's two panels: an analogy typed on the demo model, and the demo's map."""

from __future__ import annotations

import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.figures.analogy import analogy_figure
from embedviz.figures.maps import cluster_colouring, scatter
from embedviz.space.clusters import label_order
from embedviz.space.analogy import MAX_EXPRESSION_LENGTH, solve
from embedviz.training.demo import HOME_MAP
from embedviz.ui.cache import clusters, projection, start_projection
from embedviz.ui.text import md_error, md_escape
from embedviz.vectors.store import DEMO_NAME

CLUSTERS = 12


def analogy_panel(vectors):
    """The expression box and its answer with the picture; returns the analogy (None on an error)."""
    expression = st.text_input("Expression", value="king - man + woman", key="home_expression",
                               max_chars=MAX_EXPRESSION_LENGTH,
                               help="Words joined by + and -, e.g. father - son + daughter.")
    try:
        analogy = solve(vectors, expression, k=5)
    except EmbedvizError as exc:
        st.error(md_error(exc))
        return None
    st.metric("Answer", md_escape(analogy.answer) if analogy.answer else "none")
    st.plotly_chart(analogy_figure(vectors, analogy, height=420), key="home_analogy")
    st.caption("The words in a projection of their own neighbourhood: the arrow from *man* to "
               "*woman* and the one from *king* to the answer run alike.")
    return analogy


def demo_map(vectors, analogy) -> None:
    """The demo's most frequent words, shipped as a UMAP map (PCA if that file was deleted),
    coloured by k-means cluster, with the analogy's words highlighted."""
    method, dims, top, params = HOME_MAP
    job = start_projection(DEMO_NAME, method, dims, top, **params)  # shipped with the demo: instant
    if job.wait_coords(2.0) and job.error is None:
        shown, title = job.result, f"The {top:,} most frequent words (UMAP), coloured by meaning cluster"
    else:  # the shipped map was deleted: PCA now, UMAP next time
        shown, title = projection(DEMO_NAME, "pca", 2, top=top), f"The {top:,} most frequent words (PCA)"
    found = clusters(DEMO_NAME, CLUSTERS, top=len(shown.words))
    highlight = ([t.word for t in analogy.terms] + [analogy.answer]) if analogy else []
    st.plotly_chart(scatter(shown, counts=vectors.counts[:len(shown.words)], colouring=cluster_colouring(found),
                            labels=45, highlight=highlight, height=600, title=title,
                            label_order=label_order(found, shown.words)), key="home_scatter")
    trust = "" if shown.trustworthiness is None else f"Trustworthiness {shown.trustworthiness:.2f}: "
    st.caption(f"{trust}how well this flat picture keeps each word's nearest neighbours (1 = perfectly). "
               "Colours are k-means clusters of the original vectors, each named (and labelled first) by the "
               "words that set it apart from the others; Explore maps the whole vocabulary "
               "with PCA, t-SNE or UMAP, in 2D or 3D.")
