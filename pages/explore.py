"""Explore: the vocabulary projected to 2D or 3D, coloured, labelled, searchable and selectable.

The projection is computed in the background (embedviz.ui.cache) only when "Project" is pressed
with new parameters; colours, labels and the searched word redraw the map without recomputing it.
The sections are in embedviz.ui.explore_page.
"""

import streamlit as st

from embedviz.figures.maps import scatter
from embedviz.ui import explore_page as sections
from embedviz.ui.cache import load_vectors, space_of, store
from embedviz.ui.navigation import within_app
from embedviz.ui.sidebar import require_model, word_space_notice
from embedviz.ui.text import md_escape
from embedviz.ui.word_panel import word_panel

within_app()  # a first request straight to this page still goes through app.py

st.title("Explore")
name = require_model()
word_space_notice()
vectors = load_vectors(name)
size = len(vectors)
if size < 3:
    st.error(md_escape(f"Model {name!r} has {size} words; a map needs at least 3."))
    st.stop()

form = sections.projection_form(size)
shown = sections.wait_for_map(name, size, form)
view = space_of(name, form["words"])   # the words on the map: the vocabulary, or a selection alone
n = len(shown.words)

chart, side = st.columns([3, 1])
with side:
    colours, labels, label_order = sections.colouring(name, view, store().meta(name), n, form["seed"],
                                                      form["words"])
    st.divider()
    focus, near = sections.search(vectors, shown)
figure = scatter(shown, counts=view.counts[:n], colouring=colours, labels=labels, focus=focus,
                 neighbours=[w.word for w in near], height=650, label_order=label_order)
with chart:
    sections.map_section(name, figure, shown, view, colours)
if focus is not None:
    word_panel(name, vectors, focus, near, key="explore_panel")
