"""Documents: the documents of a corpus as vectors (their words' vectors averaged, SIF-weighted),
projected like words, coloured by a label; click a document for its text and nearest documents.
The sections are in embedviz.ui.documents_page; the map is made in a server thread."""

import streamlit as st

from embedviz.ui import documents_page as sections
from embedviz.ui.navigation import within_app
from embedviz.ui.sidebar import require_model, word_space_notice

within_app()  # a first request straight to this page still goes through app.py

st.title("Documents")
name = require_model()
word_space_notice()
spec = sections.choose_corpus()
form = sections.map_form(spec)
found = sections.wait_for_map(name, spec, form)
sections.summary(found)
picked = sections.document_map(found)
if picked is not None:
    sections.document_panel(found, picked)
