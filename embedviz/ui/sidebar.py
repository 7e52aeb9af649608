"""The sidebar shared by every page: choose the active model, see what it is."""

from __future__ import annotations

import streamlit as st

from embedviz.ui.cache import store

ACTIVE = "active_model"


def active_model() -> str | None:
    """The name of the model selected in the sidebar (None if the store is empty)."""
    return st.session_state.get(ACTIVE)


PENDING = "sidebar_model_pending"


def select_model(name: str) -> None:
    """Make ``name`` the active model (e.g. after training or importing it).

    Safe to call anywhere: the sidebar's selectbox may already be drawn in this run (Streamlit then
    forbids setting its value), so the choice is also left for the sidebar to apply when it is drawn
    next; call ``st.rerun()`` afterwards unless in a widget callback.
    """
    st.session_state[ACTIVE] = name
    st.session_state[PENDING] = name


def model_sidebar() -> str | None:
    names = store().names()
    with st.sidebar:
        if not names:
            st.info("The store is empty: train a model or import vectors.")
            st.session_state[ACTIVE] = None
            return None
        pending = st.session_state.pop(PENDING, None)
        if pending in names:
            st.session_state["sidebar_model"] = pending
        current = st.session_state.get(ACTIVE)
        if current not in names:
            current = "demo" if "demo" in names else names[0]
            st.session_state[ACTIVE] = current
        if st.session_state.get("sidebar_model") not in names:
            st.session_state["sidebar_model"] = current
        name = st.selectbox("Model", names, key="sidebar_model")
        st.session_state[ACTIVE] = name
        meta = store().meta(name)
        st.caption(_describe(meta))
    return name


def _describe(meta: dict) -> str:
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
        parts.append(f"imported from {source.get('file', '?')} ({source.get('format', '?')})")
    else:
        parts.append(f"trained by {trainer}")
    corpus = meta.get("corpus", {})
    if corpus.get("files"):
        parts.append("corpus: " + ", ".join(corpus["files"]) + f" ({corpus.get('tokens', 0):,} tokens)")
    return "  \n".join(parts)
