"""Logins with Streamlit's own authentication (``st.login`` / ``st.user``, OpenID Connect through
Authlib), when the server's ``.streamlit/secrets.toml`` has an ``[auth]`` section; without it the
app is open, as before, and says so. Who may do what is :mod:`embedviz.vectors.access`."""

from __future__ import annotations

import hashlib

import streamlit as st

from embedviz.vectors.access import Viewer


def login_configured() -> bool:
    """Whether Streamlit's login is set up (an ``[auth]`` section in ``.streamlit/secrets.toml``)."""
    from streamlit.errors import StreamlitSecretNotFoundError

    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:  # no secrets file at all
        return False


def require_login() -> None:
    """With logins configured, a visitor who is not logged in sees only the login button."""
    if not login_configured() or st.user.is_logged_in:
        return
    st.title("embedviz")
    st.markdown("This server is for its team's members: log in to see and train models.")
    st.button("Log in", type="primary", on_click=st.login, key="login_button")
    st.stop()


def viewer() -> Viewer:
    """Who is looking: the logged-in user, or nobody in particular on an open server."""
    if not login_configured() or not st.user.is_logged_in:
        return Viewer()
    return Viewer(str(st.user.get("sub")), st.user.get("email"))


def owner_id(user: str) -> str:
    """The id under which a logged-in user's uploads and jobs are kept: the same in every browser."""
    return "u" + hashlib.sha256(user.encode()).hexdigest()[:24]


def login_sidebar() -> None:
    """Who is logged in and the logout button; on an open server, that it is open."""
    if not login_configured():
        st.caption(":material/lock_open: **Open server:** there is no login here, so anyone who can reach "
                   "this address can see, rename and delete every model (see the README's Security section).")
        return
    who = st.user.get("email") or st.user.get("name") or st.user.get("sub")
    st.caption(f"Logged in as **{who}**" + (" (administrator)" if viewer().admin else ""))
    st.button("Log out", key="logout_button", on_click=st.logout)
