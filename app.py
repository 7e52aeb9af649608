"""embedviz: the dashboard. Sets up navigation and the shared sidebar; the pages live in pages/."""

import streamlit as st

from embedviz.ui.cache import store, warm_up_umap
from embedviz.ui.login import require_login
from embedviz.ui.sidebar import model_sidebar

st.set_page_config(page_title="embedviz", page_icon=":material/scatter_plot:", layout="wide")
require_login()  # with logins configured (.streamlit/secrets.toml [auth]), nothing else before it
store().ensure_demo()
warm_up_umap()  # once per server process, in the background

# In sections, always expanded: thirteen pages would otherwise hide three behind "View 3 more".
pages = {
    "Start": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", url_path="", default=True),
        st.Page("pages/corpus.py", title="Corpus", icon=":material/description:", url_path="corpus"),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
    ],
    "Explore a space": [
        st.Page("pages/explore.py", title="Explore", icon=":material/scatter_plot:", url_path="explore"),
        st.Page("pages/analogies.py", title="Analogies", icon=":material/calculate:", url_path="analogies"),
        st.Page("pages/axes.py", title="Axes", icon=":material/straighten:", url_path="axes"),
        st.Page("pages/documents.py", title="Documents", icon=":material/article:", url_path="documents"),
    ],
    "What changed": [
        st.Page("pages/compare.py", title="Compare", icon=":material/compare:", url_path="compare"),
        st.Page("pages/evolution.py", title="Evolution", icon=":material/timeline:", url_path="evolution"),
        st.Page("pages/evaluate.py", title="Evaluate", icon=":material/grading:", url_path="evaluate"),
    ],
    "Improve": [
        st.Page("pages/improve.py", title="Improve", icon=":material/tune:", url_path="improve"),
        st.Page("pages/embeddings.py", title="Embeddings explained", icon=":material/school:", url_path="embeddings"),
    ],
    "Store": [
        st.Page("pages/models.py", title="Models", icon=":material/inventory_2:", url_path="models"),
    ],
}
page = st.navigation(pages, expanded=True)
model_sidebar()
page.run()
