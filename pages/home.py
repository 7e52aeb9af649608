"""Home: what embedviz does, and a first picture of the demo space with an analogy worked out."""

import streamlit as st

from embedviz.ui import home_page as panels
from embedviz.ui.cache import load_vectors, store
from embedviz.ui.navigation import within_app
from embedviz.vectors.store import DEMO_NAME

within_app()  # a first request straight to this page still goes through app.py

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
    analogy = panels.analogy_panel(vectors)
with left:
    panels.demo_map(vectors, analogy)
st.page_link("pages/explore.py", label="Explore the whole vocabulary in 2D or 3D", icon=":material/scatter_plot:")
st.page_link("pages/corpus.py", label="Train on your own text", icon=":material/description:")
