"""The Evaluate page's sections: one model's scores, and the table of every model."""

from __future__ import annotations

import streamlit as st

from embedviz.ui.scores import analogy_rows, benchmark_label, comparison_rows, pair_rows
from embedviz.ui.text import md_escape

PERCENT = st.column_config.NumberColumn(format="percent")
DECIMAL = st.column_config.NumberColumn(format="%.3f")


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


def all_models(metas: list[dict]) -> list[str]:
    """The table of every model's headline scores; returns the models not evaluated yet."""
    rows = comparison_rows(metas)
    st.dataframe(rows, hide_index=True, key="comparison",
                 column_config={"Google 3CosAdd": PERCENT, "Google 3CosMul": PERCENT, "Google coverage": PERCENT,
                                "WordSim353 ρ": DECIMAL, "SimLex-999 ρ": DECIMAL,
                                "evaluated": st.column_config.CheckboxColumn("evaluated")})
    return [row["model"] for row in rows if not row["evaluated"]]
