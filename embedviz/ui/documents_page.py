"""The Documents page's sections: which corpus and how, the map of its documents coloured by a label,
how well the space keeps a label's documents together, and a clicked document's nearest documents."""

from __future__ import annotations


import pandas as pd
import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.core.params import OneOf, Whole
from embedviz.figures.documents import document_rows, documents_figure
from embedviz.text.specs import BUNDLED, CorpusSpec, bundled_spec
from embedviz.ui.corpus_widgets import chosen_spec, corpus_columns
from embedviz.ui.explain_cache import start_document_map
from embedviz.ui.jobs_panel import wait_for_future
from embedviz.ui.text import md_error, md_escape
from embedviz.ui.url_state import check_link

METHODS = {"pca": "PCA", "umap": "UMAP", "tsne": "t-SNE"}
WEIGHTINGS = {"sif": "SIF (smooth inverse frequency)", "mean": "plain mean"}
PICKED = "documents_picked"


def choose_corpus() -> CorpusSpec:
    """A bundled corpus, or the one chosen on the Corpus page."""
    options = {f"bundled:{k}": b.title for k, b in BUNDLED.items() if k != "demo"}
    chosen = chosen_spec()
    if chosen and chosen.get("source") not in options:
        options["chosen"] = f"{chosen.get('title') or 'your corpus'} (chosen on Corpus)"
    check_link("documents", {"documents_corpus": OneOf(tuple(options.values())),
                             "documents_weighting": OneOf(tuple(WEIGHTINGS.values())),
                             "documents_method": OneOf(tuple(METHODS.values())), "documents_dims": OneOf(("2D", "3D")),
                             "documents_limit": Whole(100, 200_000)})
    source = st.selectbox("Corpus", list(options), format_func=options.get, key="documents_corpus", bind="query-params")
    return CorpusSpec.from_dict(chosen) if source == "chosen" else bundled_spec(source.removeprefix("bundled:"))


def map_form(spec: CorpusSpec) -> dict:
    try:
        columns = [c for c in corpus_columns(spec) if c != spec.text_column]
    except EmbedvizError as exc:
        st.error(md_error(exc))
        st.stop()
    preferred = [c for c in spec.label_columns if c in columns]
    c = st.columns([1.3, 1.3, 1, 0.8, 1])
    label = c[0].selectbox("Colour by", [None] + columns, index=1 + columns.index(preferred[0]) if preferred else 0,
                           format_func=lambda v: "(nothing)" if v is None else v, key="documents_label", bind="query-params")
    weighting = c[1].selectbox("Document vector", list(WEIGHTINGS), format_func=WEIGHTINGS.get, key="documents_weighting", bind="query-params",
                               help="SIF: each word weighted a/(a + p(w)) and the direction all documents share "
                                    "removed (Arora et al. 2017); it keeps labels together better than the plain "
                                    "mean on both bundled corpora.")
    method = c[2].selectbox("Method", list(METHODS), format_func=METHODS.get, key="documents_method", bind="query-params")
    dims = c[3].radio("Dimensions", [2, 3], format_func=lambda d: f"{d}D", horizontal=True, key="documents_dims", bind="query-params")
    limit = c[4].number_input("Documents (spread evenly)", 100, 200_000, 5000, step=1000, key="documents_limit", bind="query-params",
                              help="The map keeps this many documents, taken at even steps through the corpus.")
    return {"label": label, "weighting": weighting, "method": method, "dims": int(dims), "limit": int(limit)}


def wait_for_map(name: str, spec: CorpusSpec, form: dict):
    future = start_document_map(name, spec.to_dict(), form["label"], form["weighting"], form["method"],
                                form["dims"], form["limit"], seed=0)
    return wait_for_future(future, "Reading the documents and projecting them", "Mapped")


def summary(found) -> None:
    docs, projection = found.documents, found.projection
    cells = st.columns(3)
    cells[0].metric("Documents", f"{len(docs):,}", help=f"{docs.skipped:,} left out: no word the model knows"
                    if docs.skipped else None)
    if projection.trustworthiness is not None:
        cells[1].metric("Trustworthiness", f"{projection.trustworthiness:.3f}")
    if found.label_column and len(docs) > 10:
        agreement, chance = docs.label_agreement(found.label_column)
        cells[2].metric(f"Nearest share the {found.label_column}", f"{agreement:.0%}", delta=f"chance {chance:.0%}",
                        delta_color="off", delta_arrow="off",
                        help=f"Of each document's 10 nearest documents (cosine, in the {docs.matrix.shape[1]}-"
                             "dimensional space), the share with its label; chance is what random neighbours give.")


def document_map(found) -> int | None:
    """The map; returns the clicked document's row (kept in the session), or None."""
    picked = st.session_state.get(PICKED)
    nearest = found.documents.nearest(picked, 10) if picked is not None and picked < len(found.documents) else ()
    figure = documents_figure(found, picked if nearest else None, nearest)
    event = st.plotly_chart(figure, key="documents_map", on_select="rerun", selection_mode=("points",),
                            config={"scrollZoom": True})
    rows = document_rows(event.selection.points if event else [], len(found.documents))
    if len(rows) == 1 and rows[0] != picked:
        st.session_state[PICKED] = rows[0]
        st.rerun()
    st.caption("Each point is a document, placed by its vector (its words' vectors averaged). Click one to see "
               "its text and its nearest documents.")
    return st.session_state.get(PICKED) if nearest else None


def document_panel(found, row: int) -> None:
    docs = found.documents
    st.subheader(md_escape(docs.names[row]))
    if found.label_column:
        st.caption(f"{md_escape(found.label_column)}: {md_escape(found.label_values[row])}")
    st.markdown(f"> {md_escape(docs.texts[row])}")
    index = {n: i for i, n in enumerate(docs.names)}
    near = docs.nearest(row, 10)
    table = {"document": [n.word for n in near], "cosine": [round(n.score, 3) for n in near]}
    if found.label_column:
        table[found.label_column] = [found.label_values[index[n.word]] for n in near]
    table["text"] = [docs.texts[index[n.word]] for n in near]
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
