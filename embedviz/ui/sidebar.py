"""The sidebar shared by every page: choose the active model, see what it is."""

from __future__ import annotations

import streamlit as st

from embedviz.ui.cache import store
from embedviz.ui.text import md_escape

ACTIVE = "active_model"


def active_model() -> str | None:
    """The name of the model selected in the sidebar (None if the store is empty)."""
    return st.session_state.get(ACTIVE)


NO_MODEL = "The store is empty: train a model or import vectors first."


def require_model(message: str = NO_MODEL) -> str:
    """The active model's name; without one, ``message`` is shown and the page stops there."""
    name = active_model()
    if not name:
        st.info(message)
        st.stop()
    return name


PENDING = "sidebar_model_pending"


def select_model(name: str) -> None:
    """Make ``name`` the active model (e.g. after training or importing it).

    Safe to call anywhere: the sidebar's selectbox may already be drawn in this run (Streamlit then
    forbids setting its value), so the choice is also left for the sidebar to apply when it is drawn
    next; call ``st.rerun()`` afterwards unless in a widget callback.
    """
    st.session_state[ACTIVE] = name
    st.session_state[PENDING] = name


WIDGET = "sidebar_model"
#: The key of the selectbox when a page draws the sidebar itself (embedviz.ui.navigation): a widget
#: of another page context must not own WIDGET, or the next run through app.py, which draws WIDGET
#: anew, would start from the first model in the list instead of the chosen one.
FIRST_RUN_WIDGET = "sidebar_model_first_run"


def model_sidebar(first_run: bool = False) -> str | None:
    """Draw the sidebar; return the active model's name. ``first_run``: see :data:`FIRST_RUN_WIDGET`."""
    names = store().names()
    with st.sidebar:
        if not names:
            st.info("The store is empty: train a model or import vectors.")
            st.session_state[ACTIVE] = None
            return None
        pending = st.session_state.pop(PENDING, None)
        if pending in names:
            st.session_state[WIDGET] = pending
        current = st.session_state.get(ACTIVE)
        if current not in names:
            current = "demo" if "demo" in names else names[0]
            st.session_state[ACTIVE] = current
        if first_run:
            st.session_state[FIRST_RUN_WIDGET] = current  # a change by the user came through on_change
            name = st.selectbox("Model", names, key=FIRST_RUN_WIDGET,
                                on_change=lambda: select_model(st.session_state[FIRST_RUN_WIDGET]))
            st.session_state[WIDGET] = name  # what app.py's selectbox starts from next run
        else:
            if st.session_state.get(WIDGET) not in names:
                st.session_state[WIDGET] = current
            name = st.selectbox("Model", names, key=WIDGET)
        st.session_state[ACTIVE] = name
        meta = store().meta(name)
        st.caption(_describe(meta))
    return name


def _describe(meta: dict) -> str:
    # A Markdown caption: what comes from meta.json (file names, the trainer) is escaped.
    parts = [f"**{meta.get('words', 0):,}** words, **{meta.get('dim', 0)}** dimensions"]
    trainer = meta.get("trainer", "unknown")
    parameters = meta.get("parameters", {})
    if trainer.startswith("gensim-"):
        kind = "skip-gram" if parameters.get("sg") else "CBOW"
        if parameters.get("algo") == "fasttext":
            kind = "FastText " + kind
        else:
            kind = "Word2Vec " + kind
        parts.append(f"{kind}, window {parameters.get('window')}, {parameters.get('epochs')} epochs")
    elif trainer == "imported":
        source = meta.get("source", {})
        parts.append(f"imported from {md_escape(source.get('file', '?'))} "
                     f"({md_escape(source.get('format', '?'))})")
    else:
        parts.append(f"trained by {md_escape(trainer)}")
    corpus = meta.get("corpus", {})
    if corpus.get("files"):
        parts.append("corpus: " + ", ".join(md_escape(f) for f in corpus["files"])
                     + f" ({corpus.get('tokens', 0):,} tokens)")
    return "  \n".join(parts)
