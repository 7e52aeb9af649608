"""Home: what embedviz does, and a first picture of the demo space with an analogy worked out."""

import streamlit as st

from embedviz.analogy import solve
from embedviz.errors import EmbedvizError
from embedviz.figures import scatter
from embedviz.ui.cache import load_vectors, projection
from embedviz.ui.navigation import within_app

within_app()  # a first request straight to this page still goes through app.py

st.title("embedviz")
st.markdown(
    "Train word embeddings on your own text and explore the space they make. "
    "Words that occur in similar contexts get nearby vectors, so meaning becomes geometry: "
    "neighbours are related words, and differences carry relations such as *king - man + woman = queen*. "
    "Project the whole vocabulary to 2D or 3D, type analogies, and score your vectors on benchmarks."
)

MODEL = "demo"
vectors = load_vectors(MODEL)
left, right = st.columns([3, 2])
with right:
    expression = st.text_input("Expression", value="king - man + woman", key="home_expression")
    try:
        analogy = solve(vectors, expression, k=5)
        st.metric("Answer", analogy.answer)
        st.dataframe({"word": [a.word for a in analogy.answers],
                      "score": [round(a.score, 3) for a in analogy.answers]}, hide_index=True)
    except EmbedvizError as exc:
        analogy = None
        st.error(str(exc))
with left:
    shown = projection(MODEL, "pca", 2, top=2000)
    highlight = [t.word for t in analogy.terms] + [analogy.answer] if analogy else []
    st.plotly_chart(scatter(shown, labels=30, highlight=highlight,
                            title=f"The 2,000 most frequent words of the demo model (PCA, "
                                  f"trustworthiness {shown.trustworthiness:.2f})"),
                    key="home_scatter")
