"""The Axes page's sections: axes typed as expressions, the words to place, the map (two axes) or
the ranking (one axis), and the words at each end. Widget keys are ``axes_*``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.core.params import OneOf, Whole
from embedviz.figures.axes import axis_map_figure, axis_ranking_figure
from embedviz.space.analogy import MAX_EXPRESSION_LENGTH, split_words
from embedviz.space.axes import MAX_AXIS_WORDS, axis_map, axis_scores
from embedviz.ui.text import md_error, md_escape
from embedviz.ui.url_state import check_link

KEEP = dict(persist_state="session")
MODES = {"map": "Two axes: a map", "ranking": "One axis: a ranking"}
EXAMPLE_WORDS = "king, queen, servant, soldier, priest, shepherd, merchant, nurse, maid, lord, wife, husband"


def form(size: int) -> dict:
    check_link("axes", {"axes_mode": OneOf(tuple(MODES.values())), "axes_which": OneOf(("top", "list")),
                        "axes_top": Whole(10, max(10, size))})
    mode = st.radio("View", list(MODES), format_func=MODES.get, horizontal=True, key="axes_mode", bind="query-params", **KEEP)
    left, right = st.columns(2)
    x = left.text_input("x axis" if mode == "map" else "Axis", "woman - man", key="axes_x", bind="query-params",
                        max_chars=MAX_EXPRESSION_LENGTH, **KEEP,
                        help="Any expression the Analogies page accepts, weights included: the direction is the "
                             "weighted sum of the words' unit vectors.")
    y = None
    if mode == "map":
        y = right.text_input("y axis", "good - evil", key="axes_y", bind="query-params", max_chars=MAX_EXPRESSION_LENGTH, **KEEP)
    which = st.radio("Words", ["top", "list"], horizontal=True, key="axes_which", bind="query-params", **KEEP,
                     format_func={"top": "the most frequent", "list": "a list I type"}.get)
    top, words = None, None
    if which == "top":
        top = int(st.number_input("How many", 10, max(10, size), min(5000 if mode == "map" else 10_000, size),
                                  step=500, key="axes_top", bind="query-params", **KEEP))
    else:
        words = split_words(st.text_area("Words (commas or spaces)", EXAMPLE_WORDS, key="axes_words", bind="query-params",
                                         max_chars=200_000, **KEEP,
                                         help=f"Up to {MAX_AXIS_WORDS:,} words, e.g. professions or names."))
    return {"mode": mode, "x": x, "y": y, "top": top, "words": words}


def show(vectors, chosen: dict) -> None:
    try:
        if chosen["mode"] == "map":
            _map(vectors, chosen)
        else:
            _ranking(vectors, chosen)
    except EmbedvizError as exc:
        st.error(md_error(exc))


def _map(vectors, chosen: dict) -> None:
    found = axis_map(vectors, chosen["x"], chosen["y"], top=chosen["top"], words=chosen["words"])
    st.plotly_chart(axis_map_figure(found, labels=40 if chosen["words"] is None else 400), key="axes_map",
                    width="stretch")
    correlation = found.correlation
    note = ("" if correlation != correlation or abs(correlation) < 0.5 else
            f" The two coordinates correlate ({correlation:+.2f}): the axes partly measure the same thing.")
    st.caption(f"{len(found.words):,} words placed by their cosine with each direction (0: unrelated; the axes "
               "need not be at right angles)." + note)
    for which, expression in (("x", found.x.expression), ("y", found.y.expression)):
        ends = found.ends(which)
        st.markdown(f"**{md_escape(expression)}**")
        low, high = st.columns(2)
        high.dataframe(pd.DataFrame([n._asdict() for n in ends["high"]]), hide_index=True, width="stretch")
        low.dataframe(pd.DataFrame([n._asdict() for n in ends["low"]]), hide_index=True, width="stretch")
        high.caption("the highest: most like the positive words")
        low.caption("the lowest: most like the negative words")


def _ranking(vectors, chosen: dict) -> None:
    scores = axis_scores(vectors, chosen["x"], top=chosen["top"], words=chosen["words"])
    st.plotly_chart(axis_ranking_figure(scores, chosen["x"]), key="axes_ranking", width="stretch")
    st.caption(f"{len(scores):,} words ranked by their cosine with the direction of "
               f"{md_escape(chosen['x'])}" + ("; the 15 at each end are drawn." if len(scores) > 30 else "."))
    frame = pd.DataFrame({"word": scores.words, "score": scores.scores})
    st.dataframe(frame, hide_index=True, width="stretch", height=300)
    st.download_button("Download the ranking (CSV)", frame.to_csv(index=False), file_name="axis.csv",
                       mime="text/csv", key="axes_download")
