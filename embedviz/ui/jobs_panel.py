"""Background jobs on a page, one component for every page that starts them (Train, Improve).

- :func:`model_name` suggests a free model name and checks what the user types (the one name rule,
  embedviz.vectors.names);
- :func:`start_button` starts a job, showing a refusal in one line;
- :func:`job_card` shows one job: progress, time left, Cancel while it runs, its outcome after;
- :func:`watch` redraws a section every second while one of the session's jobs is active, and once
  more when the last one ends (so the polling stops).

Every widget key is prefixed with the caller's ``key``, so the component can appear several times.
"""

from __future__ import annotations

import time
from typing import Callable

import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.jobs.registry import Job, list_jobs
from embedviz.vectors.names import check_name, free_name, name_from
from embedviz.vectors.store import Store
from embedviz.ui.text import md_error, md_escape

KEEP = dict(persist_state="session")


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


def model_name(store: Store, key: str, stem: str, suffix: str, label: str = "Model name",
               optional: bool = False, container=st) -> tuple[str, str | None]:
    """A text input holding a free model name (``stem-suffix``, ``-2``...) until the user types one of
    their own; returns ``(name, problem)`` (``problem``: why it cannot be used, shown; None if it can)."""
    busy = {job.model for job in list_jobs(store, active=True)}
    suggestion = free_name(name_from(stem, suffix), set(store.names()) | busy)
    if st.session_state.pop(f"{key}_used", False) or \
            st.session_state.get(key) in (None, "", st.session_state.get(f"{key}_suggested")):
        st.session_state[key] = suggestion
    st.session_state[f"{key}_suggested"] = suggestion
    name = container.text_input(label, key=key, **KEEP,
                                help="1-64 letters, digits, '_', '.' or '-'; the model is saved in the store "
                                     "under this name." + (" Leave empty to save nothing." if optional else "")
                                ).strip()
    if optional and not name:
        return "", None
    problem = None
    try:
        check_name(name)
        if store.exists(name):
            problem = f"a model named {name!r} already exists; choose another name or delete it on the Models page"
        elif name in busy:
            problem = f"a job saving a model named {name!r} is already running; choose another name"
    except EmbedvizError as exc:
        problem = str(exc)
    if problem:
        st.error(md_error(problem))  # it quotes the typed name
    return name, problem


def start_button(label: str, key: str, start: Callable[[], object], disabled: bool = False,
                 name_key: str | None = None) -> None:
    """A button that calls ``start()``; its refusal is one line on the page. After a start the name
    input ``name_key`` takes the next free name."""
    if st.button(label, type="primary", disabled=disabled, key=key):
        try:
            start()
        except EmbedvizError as exc:
            st.error(md_error(exc))
        else:
            if name_key:
                st.session_state[f"{name_key}_used"] = True
            st.rerun()


def job_card(job: Job, *, key: str, body: Callable[[Job, bool], None] | None = None, dismiss: bool = False,
             what: str = "") -> None:
    """One job: its title, a progress bar with the stage (and words/s, time left for a training),
    Cancel while it runs; then its one-line outcome; ``body(job, done)`` draws the rest (curves,
    results); ``dismiss`` offers to remove a finished job from the list."""
    status = job.status()
    with st.container(border=True):
        if what:
            st.markdown(what)
        if status.active:
            events = job.events()
            # The last epoch (an engine's running reports, Spark's stages, carry a detail instead)
            last = next((e for e in reversed(events) if e.get("stage") == "training" and not e.get("detail")), None)
            fraction = min(1.0, status.epoch / status.epochs) if status.epochs else 0.0
            text = ("starting the process" if status.state == "queued" else status.message or status.stage)
            st.progress(fraction, text=md_escape(text))
            if last is not None and last.get("words_per_second"):
                left, middle, right = st.columns(3)
                left.metric("Words per second", f"{last['words_per_second']:,.0f}")
                middle.metric("Time left", duration(last.get("eta")))
                right.metric("Elapsed", duration(time.time() - events[0]["time"]) if events else "-")
            if job.cancel_requested:
                st.caption("Cancelling...")
            elif st.button("Cancel", key=f"{key}-cancel", help="Stop this job; its model is not saved."):
                with st.spinner("Stopping..."):
                    job.cancel()
                st.rerun()
        elif status.state == "done":
            st.success(f"Done: {md_error(status.message)}.")
        elif status.state == "cancelled":
            st.warning(f"Cancelled: {md_error(status.message.removeprefix('cancelled; '))}.")
        else:
            # A failed job's message quotes the corpus (a column name, a line): text, not Markdown.
            st.error(f"{status.state.capitalize()}: {md_error(status.message)}")
        if body is not None:
            body(job, status.state == "done")
        if dismiss and status.finished and st.button("Dismiss", key=f"{key}-dismiss",
                                                     help="Remove this job from the list (a saved model stays)."):
            job.remove()
            st.rerun()


def watch(section: Callable[[], None], active: Callable[[], bool]) -> None:
    """Run ``section`` as a fragment redrawn every second while ``active()``; when it stops being
    active, one full rerun draws the outcome everywhere and ends the polling."""
    polling = active()

    def body():
        section()
        if polling and not active():
            st.rerun()

    st.fragment(body, run_every=1.0 if polling else None)()


def wait_for_future(future, label: str, done_label: str):
    """A server-thread Future with a ``state["progress"]`` (embedviz.ui.cache.with_progress): its
    progress shown until it is done, then its result; a user's error is shown and stops the page."""
    started = time.monotonic()
    if not future.done():
        with st.status(label, expanded=True) as status:
            bar = st.progress(0.0)
            while not future.done():
                fraction, message = future.state["progress"]
                bar.progress(min(max(fraction, 0.0), 1.0), text=f"{message} — {time.monotonic() - started:.0f} s")
                time.sleep(0.3)
            status.update(label=done_label, state="complete", expanded=False)
    error = future.exception()
    if error is not None:
        if isinstance(error, EmbedvizError):
            st.error(md_error(error))
            st.stop()
        raise error
    return future.result()
