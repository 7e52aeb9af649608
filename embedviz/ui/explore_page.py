"""The Explore page's sections: the projection form, the wait for the map with its figures, the
colouring, the search of a word, and the map with its selection. Widget keys are ``explore_*``."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.core.params import Flag, Number, OneOf, Whole
from embedviz.figures.maps import (cluster_colouring, frequency_colouring, metadata_colouring, neighbours_on_map,
                                   selected_rows, selection_table)
from embedviz.space.analogy import MAX_EXPRESSION_LENGTH
from embedviz.space.clusters import label_order, metadata_columns
from embedviz.space.neighbours import neighbours
from embedviz.text.stopwords import is_stop_word
from embedviz.ui.cache import clusters, start_clusters, start_projection
from embedviz.ui.text import md_error, md_escape
from embedviz.ui.url_state import check_link

METHODS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
#: Session keys: the words projected on their own, and a word clicked on the map (to search).
ISOLATE = "explore_isolate"
CLICKED = "explore_clicked"
TRUST_HELP = ("Trustworthiness (0 to 1) asks whether each word's nearest neighbours on the map are also "
              "near it in the original space: 1 means the map shows no false neighbours.")


def projection_form(size: int) -> dict:
    """The projection's parameters, applied only when "Project" is pressed: a dict with ``method``,
    ``dims``, ``top`` (None: every word), ``count`` and ``params`` (the engine's keyword arguments)."""
    check_link("explore", {
        "explore_method": OneOf(tuple(METHODS.values())), "explore_dims": OneOf(("2D", "3D")),
        "explore_top": Whole(3, size), "explore_all": Flag(), "explore_seed": Whole(0, 2**32 - 1),
        "explore_fixed_seed": Flag(), "explore_perplexity": Number(1, 500), "explore_n_neighbors": Whole(2, 500),
        "explore_min_dist": Number(0, 1), "explore_clusters": Whole(2, 60), "explore_stop_words": Flag(),
        "explore_labels": Whole(0, 300), "explore_k": Whole(1, 50)})
    if st.session_state.get("explore_top", 0) > size:  # another model was chosen in the sidebar
        st.session_state["explore_top"] = size
    with st.form("explore_projection", border=True):
        cols = st.columns([1.2, 1, 1.4, 1])
        method = cols[0].selectbox("Method", list(METHODS), format_func=METHODS.get, key="explore_method", bind="query-params")
        dims = cols[1].radio("Dimensions", [2, 3], format_func=lambda d: f"{d}D", horizontal=True, key="explore_dims", bind="query-params")
        top = cols[2].number_input("Words (most frequent first)", min_value=3, max_value=size, value=min(5000, size),
                                   step=1000, key="explore_top", bind="query-params",
                                   help=f"Up to the whole vocabulary ({size:,} words). Never sampled.")
        every = cols[2].checkbox(f"All {size:,} words", key="explore_all", bind="query-params")
        seed = cols[3].number_input("Seed", min_value=0, max_value=2**32 - 1, value=0, key="explore_seed", bind="query-params")
        fixed = cols[3].checkbox("Fixed seed for UMAP", key="explore_fixed_seed", bind="query-params",
                                 help="Reproducible, but UMAP then runs on one core (about twice as slow on "
                                      "two). Unchecked: UMAP on every core, a new picture each time it is computed "
                                      "(the first is cached). PCA and t-SNE always use the seed.")
        cols = st.columns([1.2, 1, 1.4, 1])
        perplexity = cols[0].number_input("t-SNE perplexity", min_value=1.0, max_value=500.0, value=30.0, step=5.0,
                                          key="explore_perplexity", bind="query-params",
                                          help="Roughly how many neighbours each word keeps (t-SNE only); "
                                               "must be below a third of the number of words.")
        n_neighbors = cols[1].number_input("UMAP neighbours", min_value=2, max_value=500, value=15,
                                           key="explore_n_neighbors", bind="query-params",
                                           help="Local (small) versus global (large) structure; UMAP only.")
        min_dist = cols[2].slider("UMAP min. distance", 0.0, 1.0, 0.1, 0.05, key="explore_min_dist", bind="query-params",
                                  help="How tightly UMAP packs neighbours (UMAP only).")
        cols[3].form_submit_button("Project", type="primary", width="stretch")
    params = {"seed": int(seed)}
    words = st.session_state.get(ISOLATE) or None
    if words:
        top, every = None, True
        size = len(words)
        left, right = st.columns([4, 1])
        left.info(f"Only the {size:,} selected words, projected again on their own (their neighbours among "
                  "themselves; the rest of the vocabulary left out).")
        right.button("Back to the whole map", key="explore_unisolate", on_click=st.session_state.pop,
                     args=(ISOLATE, None))
    if method == "tsne":
        params["perplexity"] = float(perplexity)
    elif method == "umap":
        params.update(n_neighbors=int(n_neighbors), min_dist=float(min_dist), seed=int(seed) if fixed else None)
    return {"method": method, "dims": dims, "top": None if every else int(top), "count": size if every else int(top),
            "params": params, "seed": int(seed), "words": tuple(words) if words else None}


def wait_for_map(name: str, size: int, form: dict):
    """Start the projection (and the clusters beside it), show its progress until the coordinates
    exist, then the figures of the map; returns the projection (its trustworthiness may follow)."""
    run_started = time.monotonic()
    method, dims, count = form["method"], form["dims"], form["count"]
    job = start_projection(name, method, dims, form["top"], words=form["words"], **form["params"])
    if st.session_state.get("explore_colour", "cluster") == "cluster":  # side by side with the projection
        start_clusters(name, min(int(st.session_state.get("explore_clusters", 12)), 60, count), top=count,
                       seed=form["seed"], stop_words=bool(st.session_state.get("explore_stop_words", False)),
                       words=form["words"])
    if not job.wait_coords(0.3):
        label = f"Projecting {count:,} words with {METHODS[method]} to {dims}D"
        with st.status(label, expanded=True) as status:
            bar = st.progress(0.0)
            while not job.wait_coords(0.5):
                bar.progress(min(max(job.fraction, 0.0), 1.0), text=f"{job.message} — {job.elapsed:.0f} s")
                status.update(label=f"{label} ({job.elapsed:.0f} s)")
            status.update(label=f"{label}: done in {job.elapsed:.1f} s", state="error" if job.error else "complete",
                          expanded=False)
    if job.error is not None:
        if isinstance(job.error, EmbedvizError):
            st.error(md_error(job.error))
            st.stop()
        raise job.error
    shown = job.result
    n = len(shown.words)
    cols = st.columns(3)
    cols[0].metric("Words on the map", f"{n:,}", help=f"The {n:,} most frequent of {size:,} words.")
    if job.finished is not None and job.finished < run_started:
        source = "memory"  # computed (or read from disk) by an earlier run in this process
    elif shown.cached:
        source = "disk cache"
    else:
        source = "new"
    # the source as the metric's short delta, not its value: a long value is cut in a quarter column
    cols[2].metric("Compute time", f"{shown.seconds:.1f} s", delta=f"from {source}", delta_color="off",
                   delta_arrow="off", help="The engine caches projections on disk, and this server keeps "
                                           "recent ones in memory.")
    measured = (f"exact on all {n:,} words" if shown.trust_sample is None
                else f"estimated on {shown.trust_sample:,} random words of {n:,}")
    st.caption(f"{TRUST_HELP} Here k = {shown.trust_k}, {measured}. The {METHODS[shown.method]} projection took "
               f"{shown.seconds:.1f} s to compute" + ("." if shown.params.get("seed") is not None
                                                        else ", on every core, without a fixed seed (not reproducible)."))
    polling = not job.done

    def trust_metric():
        # The map is drawn as soon as its coordinates exist; the trustworthiness follows, and a full
        # rerun once it is there stops the polling.
        value = shown.trustworthiness
        st.metric("Trustworthiness", "measuring…" if value is None else f"{value:.3f}", help=TRUST_HELP)
        if polling and job.done:
            st.rerun()

    with cols[1]:
        st.fragment(trust_metric, run_every=1.0 if polling else None)()
    return shown


def colouring(name: str, vectors, meta: dict, n: int, seed: int, words=None):
    """Colour by k-means cluster (original space), frequency or a metadata column; and the labels."""
    extra = {} if words else metadata_columns(meta, len(vectors))
    options = ["cluster", "frequency"] + [f"meta:{column}" for column in extra]
    colour = st.radio("Colour by", options, key="explore_colour", bind="query-params",
                      format_func=lambda o: {"cluster": "Cluster (k-means)", "frequency": "Frequency"}.get(
                          o, md_escape(o.removeprefix("meta:"))))
    if colour == "cluster":
        most = min(60, n)
        if st.session_state.get("explore_clusters", 0) > most:  # fewer words than before
            st.session_state["explore_clusters"] = most
        k = st.number_input("Clusters", min_value=2, max_value=most, value=min(12, most), key="explore_clusters", bind="query-params",
                            help="k-means on the original vectors of the words on the map (seeded).")
    stop = st.toggle("Stop words in names and labels", key="explore_stop_words", bind="query-params",
                     help="Function words (the, and, unto...) occur beside everything and name nothing; "
                          "they are left out of cluster names and map labels unless this is on.")
    order = None
    if colour == "cluster":
        found = clusters(name, int(k), top=n, seed=seed, stop_words=stop, words=words)
        chosen = cluster_colouring(found)
        order = label_order(found, vectors.words[:n], stop_words=stop)
    elif colour == "frequency":
        chosen = frequency_colouring(vectors.counts[:n])
    else:
        column = colour.removeprefix("meta:")
        chosen = metadata_colouring(extra[column][:n], column)
    if order is None and not stop:
        order = [i for i, w in enumerate(vectors.words[:n]) if not is_stop_word(w)]
    labels = st.slider("Labels", 0, 300, 40, 10, key="explore_labels", bind="query-params",
                       help="With clusters, each cluster's naming words first, then the most frequent words; "
                            "a label that would cover another is left out.")
    return chosen, int(labels), order


def search(vectors, shown) -> tuple[str | None, list]:
    """Find a word: its neighbours in the original space, and whether it is on the map."""
    n = len(shown.words)
    if CLICKED in st.session_state:  # a point clicked on the map: searched as if typed
        st.session_state["explore_word"] = st.session_state.pop(CLICKED)
    query = st.text_input("Find a word", key="explore_word", bind="query-params", placeholder="e.g. king",
                          max_chars=MAX_EXPRESSION_LENGTH).strip()
    k_near = st.number_input("Neighbours", min_value=1, max_value=50, value=10, key="explore_k", bind="query-params")
    if not query:
        return None, []
    try:
        word = vectors.resolve(query)
        near = neighbours(vectors, word, k=int(k_near))
    except EmbedvizError as exc:
        st.warning(md_error(exc))
        return None, []
    rank = vectors.index[word] + 1
    focus = word
    if word not in set(shown.words):
        st.info(f"**{md_escape(word)}** (word {rank:,} by frequency) is not on the map of {n:,} words. "
                "Raise the number of words to see it.")
        focus = None
    table = pd.DataFrame(neighbours_on_map(shown, word, near, vectors))
    table["map rank"] = table["map rank"].astype("Int64")
    # the side column is narrow: short headers, so none is cut ("map rank" was shown as "ma")
    table = table.rename(columns={"cosine": "cos", "map rank": "on map"})
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"on map": st.column_config.NumberColumn("on map", width="small",
                                                                        help="map rank: 1 = drawn nearest"),
                                "rank": st.column_config.NumberColumn("rank", width="small"),
                                "cos": st.column_config.NumberColumn("cos", format="%.3f", width="small")})
    st.caption(f"Nearest to **{md_escape(word)}** by cosine in the original {vectors.dim}-dimensional space. "
               "*rank*: by frequency; *on map*: its map rank, how near it is drawn (1 = the nearest point; empty: not on "
               "the map).")
    return focus, near


def map_section(name: str, figure, shown, vectors, colours) -> None:
    """The map, a note when it is an image or a cut 3D map, and the words selected on it."""
    n = len(shown.words)
    drawn = len(figure.data[0].x)
    if (figure.layout.meta or {}).get("raster"):
        st.caption(f"All {n:,} words are drawn as an image (more than a browser takes as points); the "
                   f"{drawn:,} most frequent are points you can hover, search and select. Zooming enlarges "
                   "the image: project fewer words for a sharper view of a region.")
    elif drawn < n:
        st.caption(f"A turning 3D map shows the {drawn:,} most frequent of the {n:,} words (a browser cannot "
                   "turn more points); the 2D map shows them all.")
    if shown.dims == 3:
        st.plotly_chart(figure, key="explore_map_3d", config={"scrollZoom": True})
        st.caption("Drag to turn the map, scroll to zoom. Selecting words with the box or lasso "
                   "works on 2D maps only (Streamlit does not report selections in 3D charts).")
        return
    event = st.plotly_chart(figure, key="explore_map", on_select="rerun", selection_mode=("box", "lasso", "points"),
                            config={"scrollZoom": True})
    selection = event.selection if event else None
    rows = selected_rows(selection.points if selection else [], n)
    clicked = len(rows) == 1 and selection is not None and not selection.get("box") and not selection.get("lasso")
    if clicked:
        word = shown.words[rows[0]]
        if st.session_state.get("explore_clicked_last") != word:   # a new click, not the same one again
            st.session_state["explore_clicked_last"] = word
            st.session_state[CLICKED] = word
            st.rerun()
        return
    if not rows:
        st.caption("Scroll to zoom, drag to pan. Pick the box or lasso tool (top right of the map) "
                   "to select words and list them here.")
        return
    st.subheader(f"{len(rows):,} selected words")
    selected = pd.DataFrame(selection_table(shown, rows, vectors.counts, colours))
    st.dataframe(selected, hide_index=True, width="stretch")
    left, right = st.columns(2)
    left.download_button("Download the selection (CSV)", selected.to_csv(index=False),
                         file_name=f"{name}-selection.csv", mime="text/csv", key="explore_download")
    if len(rows) >= 3:
        right.button("Project these again", key="explore_isolate_button", on_click=_isolate,
                     args=(tuple(shown.words[i] for i in rows),),
                     help="Project only the selected words, on their own: the structure inside the selection.")


def _isolate(words: tuple[str, ...]) -> None:
    st.session_state[ISOLATE] = words
    st.session_state.pop("explore_clicked_last", None)
