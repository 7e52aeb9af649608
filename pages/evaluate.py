"""Evaluate: score the active model on the standard benchmarks (or your own files), compare all models."""

import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.space.evaluation import evaluate
from embedviz.ui.cache import load_vectors, store
from embedviz.ui.scores import (analogy_rows, benchmark_label, comparison_rows, evaluate_files,
                                merge_scores, pair_rows, uploaded_files)
from embedviz.ui.sidebar import require_model, word_space_notice
from embedviz.ui.navigation import within_app
from embedviz.ui.text import md_error, md_escape

within_app()  # a first request straight to this page still goes through app.py

PERCENT = st.column_config.NumberColumn(format="percent")
DECIMAL = st.column_config.NumberColumn(format="%.3f")


def run_benchmarks(name: str) -> None:
    """Score model ``name`` on the standard benchmarks and keep the scores in its meta.json."""
    with st.spinner(f"Scoring {md_escape(name)} on the Google analogies (19,544 questions, 3CosAdd and 3CosMul), "
                    "WordSim353 and SimLex-999..."):
        scores = evaluate(load_vectors(name))
    old = store().meta(name).get("scores")
    store().update_meta(name, scores=merge_scores(old, scores))


def show_scores(scores: dict) -> None:
    for benchmark, by_method in scores.get("analogies", {}).items():
        st.subheader(md_escape(benchmark_label(benchmark)))
        rows = analogy_rows(by_method)
        total = rows[-1]
        columns = st.columns(3)
        for column, (label, value) in zip(columns, [(k, total.get(k)) for k in ("3CosAdd", "3CosMul")]):
            column.metric(f"{label} accuracy", "n/a" if value is None else f"{value:.1%}")
        columns[2].metric("Coverage", f"{total['coverage']:.1%}",
                          help="Share of the questions whose four words are all in the vocabulary; "
                               "accuracy is over those only.")
        st.dataframe(rows, hide_index=True, key=f"sections_{benchmark}", height=35 * (len(rows) + 1) + 3,
                     column_config={"coverage": PERCENT, "3CosAdd": PERCENT, "3CosMul": PERCENT})
        covered = [r for r in rows[:-1] if r["covered"]]
        if covered:
            methods = [m for m in ("3CosAdd", "3CosMul") if m in total]
            st.bar_chart({"section": [r["section"] for r in covered] * len(methods),
                          "accuracy (%)": [100 * (r[m] or 0) for m in methods for r in covered],
                          "method": [m for m in methods for _ in covered]},
                         x="section", y="accuracy (%)", color="method", stack=False, horizontal=True,
                         sort=False, height=max(200, 45 * len(covered)))
        uncovered = [r["section"] for r in rows[:-1] if not r["covered"]]
        if uncovered:
            st.caption("No question covered (a word missing from the vocabulary) in: "
                       + ", ".join(md_escape(section) for section in uncovered))
    if scores.get("pairs"):
        st.subheader("Word similarity")
        st.dataframe(pair_rows(scores["pairs"]), hide_index=True, key="pairs",
                     column_config={"Spearman": DECIMAL, "Pearson": DECIMAL,
                                    "OOV %": st.column_config.NumberColumn(format="%.1f")})
        st.caption("Correlation of the cosine similarity of each pair with human judgements, over the pairs "
                   "whose two words are in the vocabulary (OOV %: the share of pairs left out).")


st.title("Evaluate")
name = require_model()
word_space_notice()
st.markdown(
    f"Scores of **{md_escape(name)}** on the Google analogy set (per section, with 3CosAdd and 3CosMul) and on "
    "WordSim353 and SimLex-999 (Spearman correlation with human similarity judgements). "
    "Scores are saved with the model, so the table at the bottom compares every model evaluated so far.")

message = st.session_state.pop("evaluate_message", None)
if message:
    st.success(md_escape(message))
if st.button("Run the benchmarks", type="primary", key="run_benchmarks"):
    try:
        run_benchmarks(name)
    except EmbedvizError as exc:
        st.error(md_error(exc))

with st.expander("Your own benchmark files"):
    st.markdown("An analogy file has lines `a b c d` (*a* is to *b* as *c* is to *d*), grouped in sections by "
                "lines `: section name`; a pairs file has lines `word1<TAB>word2<TAB>score`.")
    analogy_upload = st.file_uploader("Analogy questions", type=["txt"], key="custom_analogies")
    pairs_upload = st.file_uploader("Word pairs", type=["txt", "tsv", "csv"], key="custom_pairs")
    if st.button("Evaluate with these files", key="run_custom",
                 disabled=analogy_upload is None and pairs_upload is None):
        uploads = [None if u is None else (u.name, u.getvalue()) for u in (analogy_upload, pairs_upload)]
        try:
            with st.spinner("Scoring..."), uploaded_files(*uploads) as (analogies, pairs):
                custom = evaluate_files(load_vectors(name), analogies, pairs)
            store().update_meta(name, scores=merge_scores(store().meta(name).get("scores"), custom))
        except EmbedvizError as exc:
            st.error(md_error(exc))

scores = store().meta(name).get("scores")
if scores:
    show_scores(scores)
else:
    st.info(f"{md_escape(name)} has not been evaluated yet: run the benchmarks (a few seconds on the demo model).")

st.divider()
st.subheader("All models")
rows = comparison_rows(store().list())
st.dataframe(rows, hide_index=True, key="comparison",
             column_config={"Google 3CosAdd": PERCENT, "Google 3CosMul": PERCENT, "Google coverage": PERCENT,
                            "WordSim353 ρ": DECIMAL, "SimLex-999 ρ": DECIMAL,
                            "evaluated": st.column_config.CheckboxColumn("evaluated")})
waiting = [row["model"] for row in rows if not row["evaluated"]]
if waiting:
    st.caption("Not evaluated yet:")
    for column, model in zip(st.columns(min(len(waiting), 4)) * len(waiting), waiting):
        if column.button(f"Evaluate {md_escape(model)}", key=f"evaluate_{model}"):
            try:
                run_benchmarks(model)
                st.session_state["evaluate_message"] = f"Scored {model}."
                st.rerun()
            except EmbedvizError as exc:
                st.error(md_error(exc))
