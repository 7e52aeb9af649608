"""Widgets and cached engine calls for the Corpus and Train pages.

- :func:`session_owner`: the id that owns a browser's uploads and training jobs.
- Cached corpus reading (columns, first documents, statistics, phrases), keyed on the files'
  identity (path, size, modification time) and every reading option.
- :func:`job_panel`: one training job, drawn from its folder (progress, speed, loss curve, outcome).
"""

from __future__ import annotations

import binascii
import hashlib
import json
import time
import uuid

import streamlit as st

from embedviz.text.corpus import Corpus
from embedviz.jobs.registry import Job
from embedviz.figures.training import loss_figure
from embedviz.ui.text import md_error, md_escape
from embedviz.text.specs import CorpusSpec
from embedviz.text.uploads import load_choice, save_choice

OWNER_KEY = "embedviz_owner"
#: The session's corpus choice: a CorpusSpec dict, set by the Corpus page, read by the Train page.
SPEC_KEY = "corpus_spec"


# -- who owns uploads and jobs -------------------------------------------------------------------
def session_owner() -> str:
    """The owner id of this browser session's uploads and jobs, kept in ``st.session_state``.

    Where Streamlit's XSRF cookie is present (the default for a served app) the id is derived from
    it, so it survives a page reload in the same browser: the user gets their jobs and uploads
    back. Otherwise (XSRF protection off, tests) it is random, one per session. The cookie itself
    is never stored: the id is a salted hash of its secret part.
    """
    owner = st.session_state.get(OWNER_KEY)
    if not owner:
        owner = _browser_owner() or "s" + uuid.uuid4().hex[:24]
        st.session_state[OWNER_KEY] = owner
    return owner


def _browser_owner() -> str | None:
    try:
        cookie = st.context.cookies.get("_streamlit_xsrf")
    except Exception:  # no script context, or no cookies in this Streamlit version
        return None
    if not isinstance(cookie, str):
        return None
    parts = cookie.split("|")
    if parts[0] != "2" or len(parts) < 3:
        return None  # not the format we know: a random id per session is the safe fallback
    try:
        # Tornado's version-2 format: version|mask|masked token|time. The mask changes with every
        # response; the token (mask XOR masked token) stays while the browser keeps the cookie.
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


# -- training jobs -------------------------------------------------------------------------------
ALGORITHMS = {
    "Word2Vec CBOW": ("word2vec", False),
    "Word2Vec skip-gram": ("word2vec", True),
    "FastText CBOW": ("fasttext", False),
    "FastText skip-gram": ("fasttext", True),
}


def algorithm_title(parameters: dict) -> str:
    for title, (algo, sg) in ALGORITHMS.items():
        if parameters.get("algo") == algo and bool(parameters.get("sg")) == sg:
            return title
    return parameters.get("algo", "?")


def duration(seconds: float | None) -> str:
    """``75`` -> ``1 min 15 s``."""
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def job_panel(job: Job, *, key: str, can_cancel: bool = True) -> None:
    """One job of this session: live progress while it runs, then its outcome.

    Running: a progress bar (epoch k of n), words/s, time left and the loss curve, and a Cancel
    button. Finished: the outcome's one-line message (never a traceback) and a Dismiss button.
    """
    status = job.status()
    spec = job.spec()
    parameters = spec.get("parameters", {})
    epochs = parameters.get("epochs", 0)
    corpus = spec.get("corpus", {}).get("title") or "files"
    title = (f"**{md_escape(spec.get('model', '?'))}** · {md_escape(algorithm_title(parameters))}, "
             f"{md_escape(parameters.get('dim'))} dimensions, {md_escape(epochs)} epochs · "
             f"corpus: {md_escape(corpus)}")
    with st.container(border=True):
        st.markdown(title)
        events = job.events()
        epochs_done = [e for e in events if e.get("stage") == "training"]
        if status.active:
            last = epochs_done[-1] if epochs_done else None
            if status.state == "queued":
                st.progress(0.0, text="Starting the training process...")
            elif last is None:
                stage = events[-1]["stage"] if events else "reading"
                text = {"reading": "Reading and tokenising the corpus...",
                        "vocabulary": "Building the vocabulary..."}.get(stage, "Working...")
                st.progress(0.0, text=text)
            else:
                st.progress(min(1.0, last["epoch"] / max(1, epochs)),
                            text=f"Epoch {last['epoch']} of {epochs}")
            left, middle, right = st.columns(3)
            speed = last.get("words_per_second") if last else None
            left.metric("Words per second", f"{speed:,.0f}" if speed else "-")
            middle.metric("Time left", duration(last.get("eta")) if last else "-")
            started = events[0]["time"] if events else None
            right.metric("Elapsed", duration(time.time() - started) if started else "-")
            if job.cancel_requested:
                st.caption("Cancelling...")
            elif can_cancel and st.button("Cancel", key=f"{key}-cancel", help="Stop this training; "
                                          "the model is not saved."):
                with st.spinner("Stopping the training..."):
                    job.cancel()
                st.rerun()
        elif status.state == "done":
            st.success(f"Done: {md_error(status.message)}.")
        elif status.state == "cancelled":
            st.warning(f"Cancelled: {md_error(status.message.removeprefix('cancelled; '))}.")
        else:
            # A failed job's message quotes the corpus (a column name, a line): text, not Markdown.
            st.error(f"{status.state.capitalize()}: {md_error(status.message)}")
        if epochs_done:
            st.plotly_chart(loss_figure(epochs_done, epochs=epochs, title=None, height=260),
                            key=f"{key}-loss")
        if status.finished and st.button("Dismiss", key=f"{key}-dismiss",
                                         help="Remove this job from the list (a trained model stays)."):
            job.remove()
            st.rerun()
