"""Widgets and cached engine calls for the Corpus and Train pages.

- :func:`session_owner`: the id that owns a browser's uploads and training jobs.
- Cached corpus reading (columns, first documents, statistics, phrases), keyed on the files'
  identity (path, size, modification time) and every reading option.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import uuid

import streamlit as st

from embedviz.text.corpus import Corpus
from embedviz.text.specs import CorpusSpec
from embedviz.text.uploads import load_choice, save_choice
from embedviz.ui.login import owner_id, viewer

OWNER_KEY = "embedviz_owner"
#: The session's corpus choice: a CorpusSpec dict, set by the Corpus page, read by the Train page.
SPEC_KEY = "corpus_spec"


# -- who owns uploads and jobs -------------------------------------------------------------------
def session_owner() -> str:
    """The owner id of this browser session's uploads and jobs, kept in ``st.session_state``.

    A logged-in user's id comes from their login (the same in every browser). Otherwise, where
    Streamlit's XSRF cookie is present (the default for a served app) the id is derived from
    it, so it survives a page reload in the same browser: the user gets their jobs and uploads
    back. Otherwise (XSRF protection off, tests) it is random, one per session. The cookie itself
    is never stored: the id is a salted hash of its secret part.
    """
    owner = st.session_state.get(OWNER_KEY)
    if not owner:
        user = viewer().user
        owner = owner_id(user) if user else (_browser_owner() or "s" + uuid.uuid4().hex[:24])
        st.session_state[OWNER_KEY] = owner
    return owner


def _browser_owner() -> str | None:
    try:
        cookie = st.context.cookies.get("_streamlit_xsrf")
    except Exception:  # no script context, or no cookies in this Streamlit version
        return None
    return owner_from_xsrf(cookie)


def owner_from_xsrf(cookie) -> str | None:
    """An owner id from the value of Streamlit's XSRF cookie, or None if it is not one we can read.

    Framework detail read by hand, for want of a public API: Streamlit offers no way to keep an id
    in the browser across reloads (``st.context.cookies`` only reads), so the id comes from the
    secret its XSRF cookie already keeps. Its format is the version-2 one (Tornado's, kept by
    Streamlit's Starlette server): ``2|mask|masked token|time``; the mask changes with every
    response, the token (mask XOR masked token) stays. A format we do not know gives None, and the
    session a random id: a reload then starts afresh, nothing is shared. ``tests/app/test_isolation``
    checks this reading against the installed Streamlit's own token writer.
    """
    if not isinstance(cookie, str):
        return None
    parts = cookie.strip("\"'").split("|")
    if parts[0] != "2" or len(parts) < 3:
        return None
    try:
        mask, masked = binascii.unhexlify(parts[1]), binascii.unhexlify(parts[2])
        token = bytes(b ^ mask[i % len(mask)] for i, b in enumerate(masked))
    except (binascii.Error, ValueError, ZeroDivisionError):
        return None
    if len(token) < 8:
        return None
    return "b" + hashlib.sha256(b"embedviz-owner:" + token).hexdigest()[:24]


# -- the session's corpus choice ------------------------------------------------------------------
def chosen_spec() -> dict | None:
    """The corpus chosen on the Corpus page (a CorpusSpec dict), or None: from this session, else
    the owner's last choice on disk (so a reload in the same browser keeps it)."""
    if SPEC_KEY not in st.session_state:
        remembered = load_choice(session_owner())
        st.session_state[SPEC_KEY] = remembered.to_dict() if remembered else None
    return st.session_state[SPEC_KEY]


def choose_spec(spec: CorpusSpec) -> None:
    """Make ``spec`` the session's corpus choice and remember it for the owner."""
    if st.session_state.get(SPEC_KEY) != spec.to_dict():
        st.session_state[SPEC_KEY] = spec.to_dict()
        save_choice(session_owner(), spec)


def forget_spec() -> None:
    st.session_state[SPEC_KEY] = None


# -- cached corpus reading -----------------------------------------------------------------------
def _key(spec: CorpusSpec) -> str:
    return json.dumps(spec.to_dict(), sort_keys=True)


@st.cache_resource(max_entries=4, show_spinner=False)
def _corpus(spec_json: str, stamp: tuple) -> Corpus:
    # One Corpus per spec and file version, so the phrase model it learns is learned once.
    return CorpusSpec.from_dict(json.loads(spec_json)).corpus()


def open_corpus(spec: CorpusSpec) -> Corpus:
    return _corpus(_key(spec), spec.stamp())


@st.cache_data(max_entries=32, show_spinner=False)
def _columns(spec_json: str, stamp: tuple) -> list[list[str]]:
    spec = CorpusSpec.from_dict(json.loads(spec_json))
    return [Corpus(path, encoding=spec.encoding).columns() for path in spec.paths]


def corpus_columns(spec: CorpusSpec) -> list[str]:
    """Columns (or fields) every file of the corpus has, in the first file's order; [] for text."""
    per_file = _columns(_key(CorpusSpec(paths=spec.paths, encoding=spec.encoding)), spec.stamp())
    common = per_file[0] if per_file else []
    return [c for c in common if all(c in other for other in per_file[1:])]


@st.cache_data(max_entries=32, show_spinner=False)
def _documents(spec_json: str, stamp: tuple, n: int) -> list[dict]:
    corpus = CorpusSpec.from_dict(json.loads(spec_json)).corpus()
    out = []
    for document in corpus.documents():
        out.append({**document.labels, "text": document.text})
        if len(out) >= n:
            break
    return out


def first_documents(spec: CorpusSpec, n: int = 20) -> list[dict]:
    """The first ``n`` documents as rows: their labels and their text."""
    return _documents(_key(spec), spec.stamp(), n)


@st.cache_data(max_entries=16, show_spinner=False)
def _statistics(spec_json: str, stamp: tuple, max_documents: int | None):
    return _corpus(spec_json, stamp).statistics(top=50, max_documents=max_documents)


def corpus_statistics(spec: CorpusSpec, max_documents: int | None = None):
    """``Corpus.statistics`` (top 50 words), cached across reruns and sessions."""
    return _statistics(_key(spec), spec.stamp(), max_documents)


def phrase_tokens(spec: CorpusSpec, tokens: list[str]) -> list[str]:
    """``tokens`` with the corpus's frequent pairs joined (learns the phrase model once)."""
    return list(open_corpus(spec).phraser()[tokens])


def sample_sentence(fallback: str, words: int = 20):
    """The chosen corpus's tokeniser options and a first sentence of it (its first document of at
    least four words, cut to ``words``), else the default options and ``fallback``."""
    from embedviz.text.tokenizer import TokenizerOptions

    tokenizer, sentence = TokenizerOptions(), fallback
    chosen = chosen_spec()
    if chosen:
        spec = CorpusSpec.from_dict(chosen)
        tokenizer = spec.tokenizer_options()
        try:
            sentence = next((d["text"] for d in first_documents(spec, 5) if len(d["text"].split()) >= 4),
                            fallback)
        except Exception:  # an unreadable corpus is the Corpus page's business; the fallback will do
            pass
    return tokenizer, " ".join(sentence.split()[:words])
