"""Make every page work inside ``app.py``'s navigation, even on a server's very first request.

Streamlit 1.67 treats an app that has a ``pages/`` folder as an old-style multipage app until some
session has run ``st.navigation``: the first visitor after a server start who opens ``/train``
directly gets ``pages/train.py`` alone, without ``app.py`` (no sidebar, no demo model). Each page
calls :func:`within_app` first. In that case it switches the server to ``st.navigation`` from the
next run on, and does for this one run what ``app.py`` would have done. (It does not rerun: a rerun
would drop a button click that came with this run, as happens in every ``AppTest`` run, which
starts in the old mode.)
"""

from __future__ import annotations


def within_app() -> None:
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        from embedviz.ui.cache import store, warm_up_umap
        from embedviz.ui.login import require_login
        from embedviz.ui.sidebar import model_sidebar

        require_login()
        store().ensure_demo()
        warm_up_umap()
        model_sidebar(first_run=True)
