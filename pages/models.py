"""Models: the store. List the models, rename or delete one, import vectors, download exports.

The actions and sections are in embedviz.ui.models_page.
"""

import streamlit as st

from embedviz.ui import models_page as sections
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

metas = sections.visible_models()
active = active_model()
if metas:
    st.dataframe([{"model": m["name"], "active": m["name"] == active, "words": m.get("words"),
                   "dims": m.get("dim"), "trainer": m.get("trainer", "unknown"),
                   "created": str(m.get("created", ""))[:19].replace("T", " "), "scores": headline(m),
                   "owner": m.get("owner") or "", "shared": bool(m.get("shared"))}
                  for m in metas], hide_index=True, key="models_table",
                 column_config={"active": st.column_config.CheckboxColumn("active")})
else:
    st.info("The store is empty: train a model or import vectors below.")

names = [m["name"] for m in metas]
if names:
    if st.session_state.get(sections.SELECTED) not in names:
        st.session_state[sections.SELECTED] = active if active in names else names[0]
    selected = st.selectbox("Model to rename, delete or export", names, key=sections.SELECTED)
    sections.manage_tabs(selected)

st.divider()
sections.import_section()
