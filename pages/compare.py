"""Compare: how model B differs from model A, with B rotated onto A (orthogonal Procrustes): the
words that moved most, the neighbours each kept, both maps in one space. The sections are in
embedviz.ui.compare_page; the comparison runs in a server thread (a rerun never restarts it)."""

import streamlit as st

from embedviz.ui import compare_page as sections
from embedviz.ui.cache import load_vectors
from embedviz.ui.navigation import within_app

within_app()  # a first request straight to this page still goes through app.py

st.title("Compare two models")
st.markdown("Two trainings never share coordinates, so B is first **rotated onto A** on the words they share. "
            "A word's *shift* is how far it then lies from itself (1 - cosine); its *overlap* is the share of its "
            "nearest neighbours both models agree on.")
a, b = sections.choose_models()
form = sections.options()
result = sections.wait_for_comparison(a, b, form)
va, vb = load_vectors(a), load_vectors(b)
sections.summary(result)
clicked = sections.rank_tables(result, a, b)
word = sections.chosen_word(result, clicked, va, vb)
sections.maps(result, va, vb, a, b, word)
if word:
    sections.neighbours_side_by_side(va, vb, a, b, word, form["k"])
