"""The sidebar shared by every page: choose the active model, see what it is."""

from __future__ import annotations

import streamlit as st

from embedviz.vectors.access import visible_names
from embedviz.vectors.store import model_kind
from embedviz.ui.cache import store
from embedviz.ui.login import login_sidebar, viewer
from embedviz.ui.text import md_escape
from embedviz.ui.url_state import publish_model, restore_model

ACTIVE = "active_model"
#: The last active model that is a word-vector model (not a classifier's embedding).
WORD_MODEL = "word_model"


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
    names = visible_names(store(), viewer())
    with st.sidebar:
        if not names:
            st.info("The store is empty: train a model or import vectors.")
            st.session_state[ACTIVE] = None
            return None
        pending = st.session_state.pop(PENDING, None)
        if ACTIVE not in st.session_state:   # a new session: a link may name its model
            pending = restore_model(names) or pending
            if pending:
                st.session_state[ACTIVE] = pending
        if pending in names:
            st.session_state[WIDGET] = pending
        current = st.session_state.get(ACTIVE)
        if current not in names:
            current = "demo" if "demo" in names else names[0]
            st.session_state[ACTIVE] = current
        if first_run:
            st.session_state[FIRST_RUN_WIDGET] = current  # a change by the user came through on_change
            name = st.selectbox("Model", names, key=FIRST_RUN_WIDGET, format_func=_labeller(),
                                on_change=lambda: select_model(st.session_state[FIRST_RUN_WIDGET]))
            st.session_state[WIDGET] = name  # what app.py's selectbox starts from next run
        else:
            if st.session_state.get(WIDGET) not in names:
                st.session_state[WIDGET] = current
            name = st.selectbox("Model", names, key=WIDGET, format_func=_labeller())
        st.session_state[ACTIVE] = name
        publish_model(name)
        meta = store().meta(name)
        if model_kind(meta) == "word vectors":
            st.session_state[WORD_MODEL] = name
        st.caption(_describe(meta))
        login_sidebar()
    return name


def word_space_notice() -> None:
    """On a page that reasons about a word space: say so plainly when the active model is a
    classifier's embedding, and offer the last word-vector model back in one click."""
    name = active_model()
    if not name or not store().exists(name):
        return
    meta = store().meta(name)
    if model_kind(meta) != "classifier embedding":
        return
    label = (meta.get("parameters") or {}).get("label_column") or "a label"
    st.warning(f"**{md_escape(name)}** is a classifier's embedding: it was learned to separate "
               f"{md_escape(label)} classes, not to place words by meaning, so what this page shows is "
               "what tells those classes apart, not what words mean.", icon=":material/warning:")
    back = st.session_state.get(WORD_MODEL)
    if not back or not store().exists(back) or model_kind(store().meta(back)) != "word vectors":
        back = next((m["name"] for m in store().list() if model_kind(m) == "word vectors"), None)
    if back and st.button(f"Switch to the word model {back}", key="word_space_switch", type="primary"):
        select_model(back)
        st.rerun()


def _labeller():
    """The selectbox's labels: a classifier's embedding says so after its name."""
    classifiers = {m["name"] for m in store().list() if model_kind(m) == "classifier embedding"}
    return lambda name: f"{name} (classifier)" if name in classifiers else name


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
    elif trainer == "torch-classifier":
        label = md_escape(parameters.get("label_column") or "?")
        parts.append(f"**a classifier's embedding** (PyTorch, learned to predict {label}), not a word model")
    else:
        parts.append(f"trained by {md_escape(trainer)}")
    corpus = meta.get("corpus", {})
    if corpus.get("files"):
        parts.append("corpus: " + ", ".join(md_escape(f) for f in corpus["files"])
                     + f" ({corpus.get('tokens', 0):,} tokens)")
    return "  \n".join(parts)
