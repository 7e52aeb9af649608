"""Home: what embedviz does, and a first picture of the demo space with an analogy worked out."""

import streamlit as st

from embedviz.analogy import MAX_EXPRESSION_LENGTH, solve
from embedviz.analogy_figure import analogy_figure
from embedviz.errors import EmbedvizError
from embedviz.figures import scatter
from embedviz.store import DEMO_NAME
from embedviz.ui.cache import load_vectors, projection, store
from embedviz.ui.navigation import within_app
from embedviz.ui.text import md_error, md_escape

within_app()  # a first request straight to this page still goes through app.py

TOP = 2000  # words in the first picture: enough to see clusters, drawn at once (PCA, cached)

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
    shown = projection(DEMO_NAME, "pca", 2, top=TOP)
    highlight = ([t.word for t in analogy.terms] + [analogy.answer]) if analogy else []
    st.plotly_chart(scatter(shown, labels=30, highlight=highlight, height=560,
                            title=f"The {TOP:,} most frequent words (PCA)"),
                    key="home_scatter")
    st.caption(f"Trustworthiness {shown.trustworthiness:.2f}: how well this flat picture keeps each "
               "word's nearest neighbours (1 = perfectly). t-SNE and UMAP on the Explore page keep "
               "them better than PCA.")
st.page_link("pages/explore.py", label="Explore the whole vocabulary in 2D or 3D", icon=":material/scatter_plot:")
st.page_link("pages/corpus.py", label="Train on your own text", icon=":material/description:")
