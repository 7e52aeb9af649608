"""Evaluate: score the active model on the standard benchmarks (or your own files), compare all models.

Scoring runs in a thread of the server (embedviz.ui.cache.start_evaluation), outside the page
script, and merges into the scores the model already has (embedviz.space.scores): the CLI's
``evaluate`` does the same. The sections are in embedviz.ui.scores_page.
"""

import streamlit as st

from embedviz.ui.cache import running_evaluations, start_evaluation, store
from embedviz.ui.jobs_panel import watch
from embedviz.ui.navigation import within_app
from embedviz.ui.scores_page import all_models, show_scores
from embedviz.ui.sidebar import require_model, word_space_notice
from embedviz.ui.text import md_error, md_escape

within_app()  # a first request straight to this page still goes through app.py

st.title("Evaluate")
name = require_model()
word_space_notice()
st.markdown(
    f"Scores of **{md_escape(name)}** on the Google analogy set (per section, with 3CosAdd and 3CosMul) and on "
    "WordSim353 and SimLex-999 (Spearman correlation with human similarity judgements). "
    "Scores are saved with the model, so the table at the bottom compares every model evaluated so far.")


def start(model: str, files: tuple = ()) -> None:
    st.session_state.setdefault("evaluate_started", {})[model] = start_evaluation(model, files)


if st.button("Run the benchmarks", type="primary", key="run_benchmarks"):
    start(name)
with st.expander("Your own benchmark files"):
    st.markdown("An analogy file has lines `a b c d` (*a* is to *b* as *c* is to *d*), grouped in sections by "
                "lines `: section name`; a pairs file has lines `word1<TAB>word2<TAB>score`.")
    analogy_upload = st.file_uploader("Analogy questions", type=["txt"], key="custom_analogies")
    pairs_upload = st.file_uploader("Word pairs", type=["txt", "tsv", "csv"], key="custom_pairs")
    if st.button("Evaluate with these files", key="run_custom", disabled=analogy_upload is None and pairs_upload is None):
        start(name, tuple(None if u is None else (u.name, u.getvalue()) for u in (analogy_upload, pairs_upload)))


def progress() -> None:
    """Running evaluations of this session, and the outcome of those that ended."""
    started = st.session_state.get("evaluate_started", {})
    for model, future in list(started.items()):
        if not future.done():
            st.info(f"Scoring {md_escape(model)} on the Google analogies (19,544 questions, 3CosAdd and 3CosMul), "
                    "WordSim353 and SimLex-999...", icon=":material/hourglass_top:")
            continue
        del started[model]
        error = future.exception()
        (st.error(md_error(error)) if error else st.success(md_escape(f"Scored {model}.")))


watch(progress, lambda: any(not f.done() for f in st.session_state.get("evaluate_started", {}).values()))
scores = store().meta(name).get("scores")
if scores:
    show_scores(scores)
elif not running_evaluations(name):
    st.info(f"{md_escape(name)} has not been evaluated yet: run the benchmarks (a few seconds on the demo model).")

st.divider()
st.subheader("All models")
waiting = all_models(store().list())
if waiting:
    st.caption("Not evaluated yet:")
    for column, model in zip(st.columns(min(len(waiting), 4)) * len(waiting), waiting):
        if column.button(f"Evaluate {md_escape(model)}", key=f"evaluate_{model}"):
            start(model)
            st.rerun()
