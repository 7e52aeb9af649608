"""Evolution: watch the active model's space form during training, from the snapshots kept after
each epoch (Train: "Keep snapshots"; CLI: train --snapshots). The sections are in
embedviz.ui.evolution_page."""

import streamlit as st

from embedviz.ui import evolution_page as sections
from embedviz.ui.navigation import within_app
from embedviz.ui.sidebar import require_model

within_app()  # a first request straight to this page still goes through app.py

st.title("Evolution")
name = require_model()
found = sections.snapshots_or_stop(name)
word, k = sections.follow(found)
sections.animation(found, word, k)
if word:
    sections.neighbours_per_epoch(found, word, k)
sections.curves(name, found, word)
