"""Analogies: solve ``king - man + woman`` on the active model, see its parallelogram, find the odd
word. The sections are in embedviz.ui.analogies_page."""

import streamlit as st

from embedviz.ui import analogies_page as sections
from embedviz.ui.cache import load_vectors
from embedviz.ui.navigation import within_app
from embedviz.ui.sidebar import require_model, word_space_notice

within_app()  # a first request straight to this page still goes through app.py

st.title("Analogies")
name = require_model()
word_space_notice()
vectors = load_vectors(name)
st.markdown(
    "Type words joined by `+` and `-`: the answers are the words nearest to the result. "
    "*a - b + c* reads \"*a* is to *b* as ... is to *c*\": `king - man + woman` asks for the king of women. "
    "Weights work too: `0.5*king + queen`.")
sections.examples(vectors)
form = sections.expression_form()
analogy = sections.solved(vectors, form)
if analogy is not None:
    sections.answer(vectors, analogy, form["method"], name)
st.divider()
sections.odd_one_out(vectors)
