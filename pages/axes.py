"""Axes: where the active model's words lie along directions you type, such as woman - man. The
sections are in embedviz.ui.axes_page."""

import streamlit as st

from embedviz.ui import axes_page as sections
from embedviz.ui.cache import load_vectors
from embedviz.ui.navigation import within_app
from embedviz.ui.sidebar import require_model, word_space_notice

within_app()  # a first request straight to this page still goes through app.py

st.title("Axes")
name = require_model()
word_space_notice()
vectors = load_vectors(name)
st.markdown("A direction is typed as an expression: `woman - man` points from *man* to *woman*. Each word's "
            "coordinate is its **cosine with that direction**, so unlike a projection's, the axes of this map "
            "mean what you typed.")
sections.show(vectors, sections.form(len(vectors)))
