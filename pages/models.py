"""Models: the store. List the models, rename or delete one, import vectors, download exports.

The actions and sections are in embedviz.ui.models_page.
"""

import streamlit as st

from embedviz.ui import models_page as sections
from embedviz.ui.cache import store
from embedviz.ui.navigation import within_app
from embedviz.ui.scores import headline
from embedviz.ui.sidebar import active_model
from embedviz.ui.text import md_escape

within_app()  # a first request straight to this page still goes through app.py

st.title("Models")
message = st.session_state.pop(sections.MESSAGE, None)
if message:
    # Messages quote model and file names: shown as text, never as Markdown.
    (st.success if message[0] == "success" else st.error)(md_escape(message[1]))

metas = store().list()
active = active_model()
if metas:
    st.dataframe([{"model": m["name"], "active": m["name"] == active, "words": m.get("words"),
                   "dims": m.get("dim"), "trainer": m.get("trainer", "unknown"),
                   "created": str(m.get("created", ""))[:19].replace("T", " "), "scores": headline(m)}
                  for m in metas], hide_index=True, key="models_table",
                 column_config={"active": st.column_config.CheckboxColumn("active")})
else:
    st.info("The store is empty: train a model or import vectors below.")

names = [m["name"] for m in metas]
if names:
    if st.session_state.get(sections.SELECTED) not in names:
        st.session_state[sections.SELECTED] = active if active in names else names[0]
    selected = st.selectbox("Model to rename, delete or export", names, key=sections.SELECTED)
    rename, delete, export = st.tabs(["Rename", "Delete", "Export"])
    with rename:
        st.text_input("New name", key="models_new_name", max_chars=64,
                      help="1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.")
        st.button("Rename", key="models_rename", on_click=sections.rename, args=(selected,),
                  disabled=not st.session_state.get("models_new_name", "").strip())
    with delete:
        confirmed = st.checkbox(f"Yes, delete {md_escape(selected)} and everything saved with it (it cannot be undone)",
                                key="models_confirm_delete")
        st.button(f"Delete {md_escape(selected)}", key="models_delete", type="primary", disabled=not confirmed,
                  on_click=sections.delete, args=(selected,))
    with export:
        sections.export_section(selected)

st.divider()
sections.import_section()
