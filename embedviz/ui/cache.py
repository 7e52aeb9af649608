"""Cached access to the engine for the pages.

Vectors are loaded once per process (``st.cache_resource``), shared by every session; the key includes
the model folder's modification time, so a replaced model is reloaded. Projections are cached on disk by
the engine and in memory here, so a rerun with the same parameters costs nothing.
"""

from __future__ import annotations

import os

import streamlit as st

from embedviz.store import META_FILE, Store


def store() -> Store:
    return Store()


def _stamp(name: str) -> float:
    try:
        return os.stat(store().path(name) / META_FILE).st_mtime
    except OSError:
        return 0.0


@st.cache_resource(max_entries=8, show_spinner="Loading the vectors...")
def _load(home: str, name: str, stamp: float):
    return Store(home).load(name)


def load_vectors(name: str):
    """The vectors of model ``name``, loaded once per process."""
    s = store()
    return _load(str(s.home), name, _stamp(name))


@st.cache_resource(max_entries=32, show_spinner=False)
def _project(home: str, name: str, stamp: float, method: str, dims: int, top: int | None, params: tuple):
    from embedviz.projection import project

    s = Store(home)
    return project(s.load(name), method=method, dims=dims, top=top, cache_dir=s.cache_dir(name), **dict(params))


def projection(name: str, method: str = "pca", dims: int = 2, top: int | None = None, **params):
    """A projection of model ``name`` (engine disk cache + an in-memory cache per process)."""
    s = store()
    return _project(str(s.home), name, _stamp(name), method, dims, top, tuple(sorted(params.items())))
