"""embedviz: the dashboard. Sets up navigation and the shared sidebar; the pages live in pages/."""

import streamlit as st

from embedviz.ui.cache import store

st.set_page_config(page_title="embedviz", page_icon=":material/scatter_plot:", layout="wide")
store().ensure_demo()

pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", url_path="", default=True),
]
st.navigation(pages).run()
