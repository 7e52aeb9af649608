"""The Compare page's sections: two models, their comparison computed in the background, the
words ranked by shift and by overlap, the aligned maps and a word's neighbours in both. Widget
keys are ``compare_*``."""

from __future__ import annotations


import pandas as pd
import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.core.params import OneOf, Whole
from embedviz.figures.comparison import comparison_figure, shift_histogram
from embedviz.space.comparison import RARE_COUNT, aligned_maps, aligned_neighbours
from embedviz.ui.cache import store
from embedviz.ui.explain_cache import start_comparison
from embedviz.ui.jobs_panel import wait_for_future
from embedviz.ui.sidebar import active_model
from embedviz.ui.text import md_error, md_escape
from embedviz.ui.url_state import check_link
from embedviz.ui.word_panel import corpus_lines

KEEP = dict(persist_state="session")
SHOWN_ROWS = 500
MAP_WORDS = 2_000
WORD = "compare_word"


def choose_models() -> tuple[str, str]:
    """Models A and B (A defaults to the active model, B to another); stops if there is one model."""
    names = store().names()
    if len(names) < 2:
        st.info("Comparing needs two models: train another one (Train) or import vectors (Models).")
        st.stop()
    check_link("compare", {"compare_a": OneOf(tuple(names)), "compare_b": OneOf(tuple(names)),
                           "compare_k": Whole(1, 100), "compare_top": Whole(100, 2_000_000),
                           "compare_min_count": Whole(1, 10**9)})
    active = active_model()
    left, right = st.columns(2)
    a = left.selectbox("Model A", names, index=names.index(active) if active in names else 0, key="compare_a", bind="query-params")
    others = [n for n in names if n != a]
    b = right.selectbox("Model B", others, key="compare_b", bind="query-params",
                        help="B is rotated onto A, so shifts are measured in A's space.")
    return a, b


def options() -> dict:
    c = st.columns(3)
    k = c[0].number_input("Neighbours compared (k)", 1, 100, 10, key="compare_k", bind="query-params", **KEEP,
                          help="Each word's k nearest words in A and in B: the overlap is the share they agree on.")
    top = c[1].number_input("Most frequent shared words compared", 100, 2_000_000, 10_000, step=1000,
                            key="compare_top", bind="query-params", **KEEP,
                            help="Neighbours are sought in each whole vocabulary; comparing every shared word "
                                 "of two large models takes a minute or more.")
    min_count = c[2].number_input("Minimum count in both", 1, 10**9, RARE_COUNT, key="compare_min_count", bind="query-params", **KEEP,
                                  help=f"A word seen fewer than ~{RARE_COUNT} times has a vector that is mostly "
                                       "noise: it moves between any two trainings. Raise this to see real change.")
    return {"k": int(k), "top": int(top), "min_count": int(min_count)}


def wait_for_comparison(a: str, b: str, form: dict):
    """Start (or find) the comparison, show its progress, return it; stops with the error."""
    future = start_comparison(a, b, form["k"], form["top"], form["min_count"])
    return wait_for_future(future, f"Comparing {md_escape(b)} with {md_escape(a)}", "Compared")


def summary(result) -> None:
    cells = st.columns(4)
    cells[0].metric("Shared words", f"{result.shared:,}")
    cells[1].metric("Compared", f"{len(result.words):,}")
    cells[2].metric(f"Mean overlap of {result.k} neighbours", f"{result.mean_overlap:.2f}",
                    help="1: every word kept all its neighbours; 0: none.")
    cells[3].metric("Mean shift", "—" if result.mean_shift is None else f"{result.mean_shift:.3f}",
                    help="1 - cosine between a word in A and in B rotated onto A (0: it did not move).")
    if not result.aligned:
        st.warning(f"Not aligned: {md_escape(result.reason)}.")


def rank_tables(result, a: str, b: str) -> str | None:
    """The words ranked by shift and by overlap; a clicked row returns its word."""
    rows = [{"word": w.word, "shift": None if w.shift is None else round(w.shift, 4),
             "overlap": round(w.overlap, 2), f"count in {a}": w.count_a, f"count in {b}": w.count_b,
             "rare (noisy)": min(w.count_a, w.count_b) < RARE_COUNT} for w in result.words]
    frame = pd.DataFrame(rows)
    rankings = [("Most moved first", "shift", False, "compare_by_shift"),
                ("Fewest neighbours kept first", "overlap", True, "compare_by_overlap")]
    if not result.aligned:   # no shifts without a rotation: the overlap only
        rankings = rankings[1:]
    tabs = st.tabs([title for title, *_ in rankings])
    clicked = None
    for tab, (_, column, ascending, key) in zip(tabs, rankings):
        with tab:
            ranked = frame.sort_values([column, "word"], ascending=[ascending, True], kind="stable").head(SHOWN_ROWS)
            event = st.dataframe(ranked, hide_index=True, width="stretch", height=320, key=key,
                                 on_select="rerun", selection_mode="single-row")
            chosen = event.selection.rows if event else []
            if chosen:
                clicked = ranked.iloc[chosen[0]]["word"]
    if frame["rare (noisy)"].any():
        st.caption(f"Rows marked rare occur fewer than {RARE_COUNT} times in one of the models: their shift is "
                   "mostly training noise. Raise the minimum count to leave them out.")
    st.download_button("Download the comparison (CSV)", frame.to_csv(index=False), file_name=f"{a}-vs-{b}.csv",
                       mime="text/csv", key="compare_download")
    return clicked


def chosen_word(result, clicked: str | None, va, vb) -> str | None:
    """The word to look at: one clicked in a table, else the one typed (resolved in both models)."""
    if clicked:
        st.session_state[WORD] = clicked
    typed = st.text_input("Find a word", key=WORD, bind="query-params", placeholder=result.words[0].word if result.words else "",
                          help="Its place in both maps and its neighbours in A and in B.").strip()
    if not typed:
        return None
    try:
        word = va.resolve(typed)
        vb.resolve(word)
    except EmbedvizError as exc:
        st.error(md_error(exc))
        return None
    return word


def maps(result, va, vb, a: str, b: str, word: str | None) -> list[str]:
    """The aligned maps side by side; returns the words selected on them (box or lasso)."""
    try:
        shown = aligned_maps(va, vb, result, top=MAP_WORDS)
    except EmbedvizError as exc:
        st.caption(md_escape(str(exc)))
        return []
    selected = st.session_state.get("compare_selected", [])
    highlight = ([word] if word else []) + [w for w in selected if w != word]
    figure = comparison_figure(shown, a, b, highlight=highlight[:30])
    event = st.plotly_chart(figure, key="compare_map", on_select="rerun", selection_mode=("box", "lasso"),
                            width="stretch")
    points = event.selection.points if event else []
    words = shown["words"]
    picked = sorted({words[p["point_index"]] for p in points
                     if p.get("curve_number") in (0, 1) and 0 <= p.get("point_index", -1) < len(words)})
    if picked != selected:
        st.session_state["compare_selected"] = picked
        st.rerun()
    st.caption(f"The {len(words):,} most frequent compared words. One PCA fitted on A places both: a word in the "
               "same place in both panels did not move. Colour: shift. Select words with the box or lasso to "
               "mark them in both; a dotted line in B's panel runs from where a marked word is in A.")
    st.plotly_chart(shift_histogram([w.shift for w in result.words]), key="compare_histogram")
    return picked


def neighbours_side_by_side(va, vb, a: str, b: str, word: str, k: int) -> None:
    found = aligned_neighbours(va, vb, word, k)
    st.subheader(f"Neighbours of {md_escape(word)}")
    left, right = st.columns(2)
    for column, name, near in ((left, a, found["a"]), (right, b, found["b"])):
        column.markdown(f"**In {md_escape(name)}**")
        column.dataframe({"word": [n.word for n in near], "cosine": [round(n.score, 3) for n in near],
                          "in both": [n.word in found["common"] for n in near]},
                         hide_index=True, width="stretch")
    st.caption(f"{len(found['common'])} of {k} neighbours in common.")
    for column, name, near in ((left, a, found["a"]), (right, b, found["b"])):
        with column.expander(f"{word} in the corpus of {name}"):
            corpus_lines(name, word, [n.word for n in near], key=f"compare_kwic_{'a' if name == a else 'b'}")
