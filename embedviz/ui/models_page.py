"""The Models page's actions and sections: rename, delete, export, import.

The actions run as button callbacks, before the page is drawn again, so that they may change the
model chosen in the sidebar (a widget cannot be changed once drawn in the same run); each leaves a
one-line message for the page to show.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.core.settings import setting
from embedviz.space.projection import project
from embedviz.ui.cache import latest_projection, load_vectors, store
from embedviz.ui.login import viewer
from embedviz.ui.text import md_escape
from embedviz.ui.sidebar import ACTIVE, active_model, select_model
from embedviz.vectors.access import can_manage, can_see, check_manage, set_shared, visible_names
from embedviz.vectors.exchange import EXPORTS, export_bytes, export_problem, import_upload
from embedviz.vectors.names import name_from

METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
MESSAGE = "models_message"
SELECTED = "models_selected"
FORMAT_NAMES = {"auto": "auto-detect", "word2vec": "word2vec text", "word2vec-binary": "word2vec binary",
                "glove": "GloVe text (no header)", "fasttext": "fastText .vec",
                "projector": "Embedding Projector (vectors.tsv + metadata.tsv)"}


def _say(kind: str, text: str) -> None:
    st.session_state[MESSAGE] = (kind, text)


def rename(old: str) -> None:
    new = st.session_state.get("models_new_name", "").strip()
    try:
        check_manage(store(), old, viewer(), "rename")   # again here: a replayed click is checked too
        store().rename(old, new)
    except EmbedvizError as exc:
        _say("error", str(exc))
        return
    if active_model() == old:
        select_model(new)
    st.session_state[SELECTED] = new
    st.session_state["models_new_name"] = ""
    _say("success", f"Renamed {old} to {new}.")


def delete(name: str) -> None:
    st.session_state["models_confirm_delete"] = False
    try:
        check_manage(store(), name, viewer(), "delete")
        store().delete(name)
    except EmbedvizError as exc:
        _say("error", str(exc))
        return
    st.session_state.pop(SELECTED, None)
    remaining = visible_names(store(), viewer())
    if active_model() == name:
        if remaining:
            select_model("demo" if "demo" in remaining else remaining[0])
        else:
            st.session_state[ACTIVE] = None
            st.session_state.pop("sidebar_model", None)
    _say("success", f"Deleted {name}." + (f" The active model is now {active_model()}." if remaining else ""))


def share(name: str) -> None:
    try:
        set_shared(store(), name, viewer(), bool(st.session_state.get("models_shared")))
    except EmbedvizError as exc:
        _say("error", str(exc))
        return
    _say("success", f"{name} is now " + ("shared with every user." if st.session_state.get("models_shared")
                                         else "yours alone."))


def may_manage(name: str) -> bool:
    return can_manage(name, store().meta(name), viewer())


def visible_models() -> list[dict]:
    """The store's listing, without the models the viewer may not see."""
    who = viewer()
    return [m for m in store().list() if can_see(m["name"], m, who)]


def _upload_key() -> str:
    # A new key after each import empties the uploader.
    return f"import_file_{st.session_state.get('import_count', 0)}"


def _import() -> None:
    upload = st.session_state.get(_upload_key())
    if upload is None:
        return
    metadata = st.session_state.get("import_metadata")
    fmt = st.session_state.get("import_format", "auto")
    name = st.session_state.get("import_name", "").strip() or name_from(upload.name, fallback="imported")
    try:
        meta = import_upload(store(), name, upload.name, upload.getvalue(), None if fmt == "auto" else fmt,
                              metadata.getvalue() if metadata is not None and _needs_metadata() else None,
                              owner=viewer().user)
    except EmbedvizError as exc:
        _say("error", str(exc))
        return
    select_model(name)
    st.session_state[SELECTED] = name
    st.session_state["import_name"] = ""
    st.session_state["import_count"] = st.session_state.get("import_count", 0) + 1
    zero = meta["source"].get("zero_vectors", 0)
    _say("success", f"Imported {meta['words']:,} words × {meta['dim']} dimensions ({meta['source']['format']}) "
                    f"as {name}; it is now the active model."
                    + (f" Note: {zero:,} of them have an all-zero vector, whose cosine similarity to every "
                       "word is 0." if zero else ""))


def _needs_metadata() -> bool:
    upload = st.session_state.get(_upload_key())
    fmt = st.session_state.get("import_format", "auto")
    return fmt == "projector" or (fmt == "auto" and upload is not None and upload.name.lower().endswith(".tsv"))


def _pca_csv(home: str, name: str, dims: int) -> bytes:
    from embedviz.vectors.store import Store

    models = Store(home)
    return (project(models.load(name), "pca", dims, cache_dir=models.cache_dir(name)).csv_bytes())



def export_section(selected: str) -> None:
    """The downloads of one model: its vectors in each format, and projected coordinates."""
    vectors = load_vectors(selected)
    st.caption("Files are built when you click (a 100,000-word model makes ~100 MB of word2vec text).")
    with st.container(horizontal=True):
        for fmt, (label, suffix, mime) in EXPORTS.items():
            problem = export_problem(vectors, fmt)
            st.download_button(label, data=partial(export_bytes, vectors, fmt), file_name=f"{selected}{suffix}",
                               mime=mime, key=f"export_{fmt}", on_click="ignore", icon=":material/download:",
                               disabled=problem is not None, help=problem)
    latest = latest_projection(selected)
    choices = {"pca-2": "PCA 2D of every word", "pca-3": "PCA 3D of every word"}
    if latest is not None:
        choices = {"latest": f"the latest shown in the app: {METHOD_NAMES.get(latest.method, latest.method)} "
                             f"{latest.dims}D of {len(latest.words):,} words", **choices}
    choice = st.radio("Projected coordinates", list(choices), format_func=choices.get, key="export_coordinates")
    if choice == "latest" and latest is not None:
        data, file_name = latest.csv_bytes, f"{selected}-{latest.method}-{latest.dims}d.csv"
    else:
        dims = 3 if choice == "pca-3" else 2
        data, file_name = partial(_pca_csv, str(store().home), selected, dims), f"{selected}-pca-{dims}d.csv"
    st.download_button("Coordinates CSV", key="export_projection", on_click="ignore", data=data,
                       file_name=file_name, mime="text/csv", icon=":material/download:")
    st.caption(f"`word,x,y[,z]`, one row per word. PCA is of the unit vectors, as on the Explore page; "
               "a t-SNE or UMAP computed there is offered here once done (or run "
               f"`python -m embedviz project {selected} --method tsne --out tsne.csv`).")


def import_section() -> None:
    """Import vectors by upload (the one import of embedviz.vectors.exchange)."""
    st.subheader("Import vectors")
    st.markdown("word2vec (text or binary), GloVe, fastText `.vec` or the Embedding Projector's two files "
                "(`vectors.tsv` + `metadata.tsv`), optionally gzipped. Files are parsed as text or raw numbers, "
                "never unpickled: gensim `.model` files are refused.")
    st.selectbox("Format", list(FORMAT_NAMES), format_func=FORMAT_NAMES.get, key="import_format")
    limit = setting("EMBEDVIZ_MAX_UPLOAD_MB")
    upload = st.file_uploader("Import vectors", key=_upload_key(), max_upload_size=limit)
    if _needs_metadata():
        st.file_uploader("Projector metadata (metadata.tsv)", type=["tsv"], key="import_metadata",
                         max_upload_size=limit)
    st.text_input("Name", key="import_name", max_chars=64,
                  placeholder=name_from(upload.name, fallback="imported") if upload is not None else "name of the new model")
    st.button("Import", key="import_button", type="primary", on_click=_import, disabled=upload is None)


def manage_tabs(selected: str) -> None:
    """Rename, delete, share (with logins) and export the selected model; the actions a viewer may
    not take are shown disabled, with why (and refused again when they run: see the actions)."""
    allowed = may_manage(selected)
    why = None if allowed else "only its owner (or an administrator) may change this model"
    names = ["Rename", "Delete"] + (["Share"] if viewer().user else []) + ["Export"]
    tabs = dict(zip(names, st.tabs(names)))
    with tabs["Rename"]:
        st.text_input("New name", key="models_new_name", max_chars=64, disabled=not allowed,
                      help="1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.")
        st.button("Rename", key="models_rename", on_click=rename, args=(selected,), help=why,
                  disabled=not allowed or not st.session_state.get("models_new_name", "").strip())
    with tabs["Delete"]:
        confirmed = st.checkbox(f"Yes, delete {md_escape(selected)} and everything saved with it (it cannot be "
                                "undone)", key="models_confirm_delete", disabled=not allowed)
        st.button(f"Delete {md_escape(selected)}", key="models_delete", type="primary", help=why,
                  disabled=not (allowed and confirmed), on_click=delete, args=(selected,))
    if "Share" in tabs:
        with tabs["Share"]:
            st.session_state["models_shared"] = bool(store().meta(selected).get("shared"))
            st.toggle("Shared with every user of this server", key="models_shared", disabled=not allowed,
                      on_change=share, args=(selected,), help=why)
    with tabs["Export"]:
        export_section(selected)
