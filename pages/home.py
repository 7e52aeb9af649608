"""Home: what embedviz does, and a first picture of the demo space with an analogy worked out."""

import streamlit as st

from embedviz.space.analogy import MAX_EXPRESSION_LENGTH, solve
from embedviz.figures.analogy import analogy_figure
from embedviz.core.errors import EmbedvizError
from embedviz.training.demo import HOME_MAP
from embedviz.figures.maps import cluster_colouring, scatter
from embedviz.vectors.store import DEMO_NAME
from embedviz.ui.cache import clusters, load_vectors, projection, start_projection, store
from embedviz.ui.navigation import within_app
from embedviz.ui.text import md_error, md_escape

within_app()  # a first request straight to this page still goes through app.py

CLUSTERS = 12

st.title("embedviz")
st.markdown(
    "**Train word embeddings on your own text and explore the space they make.** "
    "A word embedding gives every word a dense vector learned from the contexts it occurs in, so "
    "words used alike end up close together and relations become directions: "
    "*king - man + woman* lands near *queen*. "
    "Upload a corpus, train a model, then project the whole vocabulary to 2D or 3D, type analogies, "
    "and score the vectors on standard benchmarks."
)

if not store().exists(DEMO_NAME):
    st.info("The demo model was deleted from the store; `python -m embedviz demo` brings it back. "
            "Choose a model in the sidebar and open Explore or Analogies.")
    st.stop()

vectors = load_vectors(DEMO_NAME)
st.caption(f"The pictures use the **demo** model: Word2Vec trained on the King James Bible and "
           f"Shakespeare ({len(vectors):,} words, {vectors.dim} dimensions).")
left, right = st.columns([3, 2])
with right:
    expression = st.text_input("Expression", value="king - man + woman", key="home_expression",
                               max_chars=MAX_EXPRESSION_LENGTH,
                               help="Words joined by + and -, e.g. father - son + daughter.")
    try:
        analogy = solve(vectors, expression, k=5)
    except EmbedvizError as exc:
        analogy = None
        st.error(md_error(exc))
    if analogy is not None:
        st.metric("Answer", md_escape(analogy.answer) if analogy.answer else "none")
        st.plotly_chart(analogy_figure(vectors, analogy, height=420), key="home_analogy")
        st.caption("The words in a projection of their own neighbourhood: the arrow from *man* to "
                   "*woman* and the one from *king* to the answer run alike.")
with left:
    method, dims, top, params = HOME_MAP
    job = start_projection(DEMO_NAME, method, dims, top, **params)  # shipped with the demo: instant
    if job.wait_coords(2.0) and job.error is None:
        shown, title = job.result, f"The {top:,} most frequent words (UMAP), coloured by meaning cluster"
    else:  # the shipped map was deleted: PCA now, UMAP next time
        shown, title = projection(DEMO_NAME, "pca", 2, top=top), f"The {top:,} most frequent words (PCA)"
    found = clusters(DEMO_NAME, CLUSTERS, top=len(shown.words))
    highlight = ([t.word for t in analogy.terms] + [analogy.answer]) if analogy else []
    st.plotly_chart(scatter(shown, counts=vectors.counts[:len(shown.words)], colouring=cluster_colouring(found),
                            labels=45, highlight=highlight, height=600, title=title), key="home_scatter")
    trust = "" if shown.trustworthiness is None else f"Trustworthiness {shown.trustworthiness:.2f}: "
    st.caption(f"{trust}how well this flat picture keeps each word's nearest neighbours (1 = perfectly). "
               "Colours are k-means clusters of the original vectors; Explore maps the whole vocabulary "
               "with PCA, t-SNE or UMAP, in 2D or 3D.")
st.page_link("pages/explore.py", label="Explore the whole vocabulary in 2D or 3D", icon=":material/scatter_plot:")
st.page_link("pages/corpus.py", label="Train on your own text", icon=":material/description:")
