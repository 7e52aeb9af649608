"""The Evolution page's sections: the model's epochs as an animated map aligned to its final
vectors, a followed word's path and neighbours per epoch, and the loss. Widget keys ``evolution_*``."""

from __future__ import annotations

import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.core.params import Whole
from embedviz.figures.evolution import FRAME_WORDS, evolution_figure, shift_by_epoch_figure
from embedviz.figures.training import loss_figure
from embedviz.ui.cache import store
from embedviz.ui.explain_cache import evolution_of
from embedviz.ui.sidebar import select_model
from embedviz.ui.text import md_error, md_escape
from embedviz.ui.url_state import check_link
from embedviz.vectors.snapshots import SNAPSHOTS_FILE


def snapshots_or_stop(name: str):
    """The aligned epochs of ``name``; without snapshots, says how to get them (and which models
    have some) and stops."""
    try:
        return evolution_of(name)
    except EmbedvizError as exc:
        st.info(md_error(exc))
        with_snapshots = [n for n in store().names() if (store().path(n) / SNAPSHOTS_FILE).is_file()]
        if with_snapshots:
            st.caption("Models with snapshots:")
            with st.container(horizontal=True):
                for other in with_snapshots[:12]:
                    if st.button(md_escape(other), key=f"evolution_use_{other}"):
                        select_model(other)
                        st.rerun()
        st.page_link("pages/train.py", label="Train with 'Keep snapshots' on", icon=":material/model_training:")
        st.stop()


def follow(found) -> tuple[str | None, int]:
    check_link("evolution", {"evolution_k": Whole(1, 30)})
    left, right = st.columns([3, 1])
    typed = left.text_input("Follow a word", key="evolution_word", bind="query-params", placeholder=found.words[0],
                            help=f"One of the {len(found.words):,} most frequent words, whose vectors were kept "
                                 "after every epoch.").strip()
    k = right.number_input("Neighbours", 1, 30, 5, key="evolution_k", bind="query-params")
    if not typed:
        return None, int(k)
    candidates = [typed, typed.lower()]
    word = next((w for w in candidates if w in found.words), None)
    if word is None:
        st.error(md_escape(f"{typed!r} is not among the {len(found.words):,} words kept in the snapshots."))
    return word, int(k)


def animation(found, word: str | None, k: int) -> None:
    near = [n.word for n in found.neighbours(word, found.epochs, k)] if word else []
    st.plotly_chart(evolution_figure(found, word, near), key="evolution_map", width="stretch")
    n = min(FRAME_WORDS, len(found.words))
    st.caption(f"The {n:,} most frequent words after each of {found.epochs} epochs. Each epoch was rotated onto "
               "the final vectors (orthogonal Procrustes) and all share the final epoch's PCA axes, so what moves "
               "is what training changed. Colour: how far a word still is from its final place (1 - cosine). "
               "Play, or drag the slider." + (f" The dotted line is {md_escape(word)}'s path, numbered by epoch; its "
                                             f"final {k} neighbours are marked." if word else ""))


def neighbours_per_epoch(found, word: str, k: int) -> None:
    st.subheader(f"{md_escape(word)}, epoch by epoch")
    table = {f"epoch {e}": [n.word for n in found.neighbours(word, e, k)] for e in range(1, found.epochs + 1)}
    st.dataframe(table, hide_index=True, width="stretch")
    shift = found.shift_to_final[:, found.index_of(word)]
    settled = next((e + 1 for e in range(found.epochs) if shift[e] < 0.05), None)
    st.caption(f"Its shift to its final vector falls from {shift[0]:.2f} after epoch 1 to 0 at the end"
               + (f"; within 0.05 of its final place from epoch {settled} on." if settled and settled < found.epochs
                  else "."))


def curves(name: str, found, word: str | None) -> None:
    left, right = st.columns(2)
    with left:
        st.plotly_chart(loss_figure(store().meta(name).get("history", [])), key="evolution_loss")
    with right:
        st.plotly_chart(shift_by_epoch_figure(found, [word] if word else []), key="evolution_shift")
