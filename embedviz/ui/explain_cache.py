"""The server's shared work for the views that explain a space: comparisons of two models, maps of
documents, a training's epochs aligned and a model's concordance index. Each is computed once per
server process for the same arguments (a Future in :mod:`embedviz.ui.cache`'s board, or a
``st.cache_resource``), so a rerun or a page switch never starts it again."""

from __future__ import annotations

import json
from concurrent.futures import Future

import streamlit as st

from embedviz.ui.cache import jobs_board, shared_future, model_stamp, with_progress, load_vectors, store
from embedviz.vectors.store import Store


def start_comparison(name_a: str, name_b: str, k: int = 10, top: int | None = None,
                     min_count: int = 1) -> Future:
    """The comparison of model ``name_b`` with ``name_a`` (:func:`embedviz.space.comparison.compare`)
    in a thread of the server: the same Future for the same models and arguments, so a rerun or a
    page switch never starts it again. Its ``state["progress"]`` holds the latest (fraction, message)."""
    from embedviz.space.comparison import compare

    s = store()
    key = (str(s.home), name_a, model_stamp(name_a), name_b, model_stamp(name_b), int(k), top, int(min_count))
    return shared_future(jobs_board().comparisons, key, lambda executor: with_progress(
        executor, compare, load_vectors(name_a), load_vectors(name_b), k=k, top=top, min_count=min_count))


def start_document_map(name: str, spec: dict, label_column: str | None, weighting: str, method: str,
                       dims: int, limit: int | None, **params) -> Future:
    """The map of the documents of corpus ``spec`` in model ``name``'s space
    (:func:`embedviz.space.documents.document_map`), in a thread of the server, shared like a comparison."""
    from embedviz.space.documents import document_map
    from embedviz.text.specs import CorpusSpec

    corpus_spec = CorpusSpec.from_dict({**spec, "label_columns": [label_column] if label_column else []})
    key = (str(store().home), name, model_stamp(name), json.dumps(corpus_spec.to_dict(), sort_keys=True),
           corpus_spec.stamp(), weighting, method, dims, limit, tuple(sorted(params.items())))
    return shared_future(jobs_board().documents, key, lambda executor: with_progress(
        executor, document_map, load_vectors(name), corpus_spec.corpus(), method, dims, weighting,
        label_column=label_column, limit=limit, **params))


# -- a model's snapshots, aligned -------------------------------------------------------------------------
@st.cache_resource(max_entries=4, show_spinner="Aligning the epochs...")
def _evolution(home: str, name: str, stamp: float):
    from embedviz.space.evolution import evolution
    from embedviz.vectors.snapshots import Snapshots

    return evolution(Snapshots.load(Store(home).path(name), model=f"model {name!r}"))


def evolution_of(name: str):
    """Model ``name``'s epochs aligned to its final vectors (raises NoSnapshots without snapshots)."""
    return _evolution(str(store().home), name, model_stamp(name))


# -- a model's concordance index ------------------------------------------------------------------------
@st.cache_resource(max_entries=4, show_spinner="Indexing the training corpus (once per model)...")
def _concordance(home: str, name: str, stamp: float):
    from embedviz.space.concordance import concordance_index

    return concordance_index(Store(home), name)


def concordance_of(name: str):
    """Model ``name``'s concordance index (built once and kept in its folder; CorpusError without a corpus)."""
    return _concordance(str(store().home), name, model_stamp(name))
