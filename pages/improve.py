"""Improve: train a text classifier with an embedding layer, regularise it, and see whether more data
or other hyperparameters would help.

Every training, learning curve and search runs as a background job (embedviz.jobs.registry,
embedviz.jobs.kinds); fragments re-read the job folders every second while one of this session's is
active. The data is a bundled labelled corpus, or the session's corpus if it has label columns.
"""

import streamlit as st

from embedviz.training.curves import CLASSIFIER_SCORES, WORD_SCORES
from embedviz.core.errors import EmbedvizError
from embedviz.figures.improve import epochs_figure
from embedviz.jobs.kinds import start_curve, start_training, start_tune
from embedviz.jobs.registry import list_jobs
from embedviz.vectors.store import check_name
from embedviz.ui.cache import store
from embedviz.ui.corpus_widgets import chosen_spec, session_owner
from embedviz.ui.improve_widgets import (KEEP, classifier_knobs, compare_table, curve_result, score_name,
                                         trained_classifier, tune_result, word_vector_knobs)
from embedviz.ui.navigation import within_app
from embedviz.ui.sidebar import active_model
from embedviz.ui.text import md_error, md_escape
from embedviz.text.specs import CorpusSpec, bundled_spec

within_app()  # a first request straight to this page still goes through app.py

KINDS = {"classifier": "Classifier (PyTorch, labelled text)", "word2vec": "Word vectors (Word2Vec)",
         "fasttext": "Word vectors (FastText)"}

st.title("Improve a model")
st.caption("Regularise a classifier, then ask the two questions of the course: would more data help "
           "(learning curve), and would other hyperparameters (search)? Every run is a background job.")
owner = session_owner()
models = store()


def data_choices() -> dict[str, tuple[CorpusSpec, str]]:
    choices = {"Shakespeare: genre": (bundled_spec("shakespeare"), "genre"),
               "King James Bible: testament": (bundled_spec("kjv"), "testament"),
               "King James Bible: group": (bundled_spec("kjv"), "group")}
    chosen = chosen_spec()
    if chosen:
        spec = CorpusSpec.from_dict(chosen)
        if not spec.source.startswith("bundled:"):
            for column in spec.label_columns:
                choices[f"Your corpus ({spec.title or spec.stem()}): {column}"] = (spec, column)
    return choices


choices = data_choices()
data = st.selectbox("Data: corpus and the label to predict", list(choices), key="improve_data", **KEEP,
                    help="A bundled labelled corpus, or the corpus chosen on the Corpus page if it has label columns.")
spec, label_column = choices[data]


def my_jobs(kind: str) -> list:
    jobs = [job for job in list_jobs(models, owner=owner) if job.spec().get("kind") == kind]
    return [job for job in jobs if kind != "train" or job.spec().get("algo") == "torch-classifier"]


def suggested_name(key: str, base: str) -> None:
    """Fill the name input ``key`` with a free name until the user types one of their own."""
    busy = {job.model for job in list_jobs(models, active=True)}
    suggestion, number = base, 2
    while models.exists(suggestion) or suggestion in busy:
        suggestion, number = f"{base}-{number}", number + 1
    if st.session_state.get(key) in (None, "", st.session_state.get(f"{key}_suggested")):
        st.session_state[key] = suggestion
    st.session_state[f"{key}_suggested"] = suggestion


def start_button(label: str, key: str, jobs, start) -> None:
    if st.button(label, type="primary", disabled=any(j.status().active for j in jobs), key=key):
        try:
            start()
        except EmbedvizError as exc:
            st.error(md_error(exc))
        else:
            st.rerun()


def latest(kind: str, what: str, body) -> None:
    """The newest job of ``kind``: progress and Cancel while it runs, then ``body(job)``; polled
    every second (a fragment) while it is active."""
    jobs = my_jobs(kind)
    polling = any(job.status().active for job in jobs)

    def section():
        current = my_jobs(kind)
        if not current:
            return
        job, status = current[0], current[0].status()
        if status.active:
            st.progress(min(1.0, status.epoch / status.epochs) if status.epochs else 0.0,
                        text=f"{what}: {md_escape(status.message or status.state)}")
            if st.button("Cancel", key=f"improve-cancel-{job.id}"):
                job.cancel()
                st.rerun()
        elif status.state == "done":
            st.success(f"Done: {md_error(status.message)}.")
        else:
            st.error(f"{status.state.capitalize()}: {md_error(status.message)}")
        body(job, status.state == "done")
        if polling and not status.active:
            st.rerun()  # it ended: one full run draws the outcome and stops the polling

    st.fragment(section, run_every=1.0 if polling else None)()


tab_train, tab_curve, tab_tune, tab_compare = st.tabs(
    ["Train a classifier", "Learning curve", "Hyperparameter search", "Compare runs"])

with tab_train:
    knobs = classifier_knobs(label_column, models.names(), active_model())
    suggested_name("improve_name", f"{spec.stem()}-{label_column}-clf")
    name = st.text_input("Model name", key="improve_name").strip()
    start_button("Start training", "improve_start", my_jobs("train"),
                 lambda: start_training(models, spec, knobs, name, owner, algo="torch-classifier"))

    def trained(job, done):
        st.markdown(f"**{md_escape(job.model)}**")
        history = job.events(stage="training")
        if history:
            st.plotly_chart(epochs_figure(history, height=340), key=f"improve-epochs-{job.id}")
        if done and models.exists(job.model):
            job.mark_seen()  # the word model in use elsewhere stays the active one
            trained_classifier(job.model)

    latest("train", "Training", trained)


def learner_panel(key: str) -> tuple[str, str, dict]:
    """The learner, its score and its parameters, with their own widgets for word vectors."""
    cells = st.columns(2)
    kind = cells[0].selectbox("Model", list(KINDS), format_func=KINDS.get, key=f"{key}_kind", **KEEP)
    scores = CLASSIFIER_SCORES if kind == "classifier" else WORD_SCORES
    score = cells[1].selectbox("Score", scores, format_func=score_name, key=f"{key}_score_{kind}")
    if kind == "classifier":
        st.caption("The classifier's settings are those of the first tab.")
        return kind, score, knobs
    return kind, score, word_vector_knobs(f"{key}_{kind}")


with tab_curve:
    st.markdown("The same model retrained on growing shares of the data: if the score still rises, more data "
                "helps; if it has flattened, a better model does. Each point carries its noise.")
    kind, curve_score, parameters = learner_panel("improve_curve")
    cells = st.columns(2)
    fractions_text = cells[0].text_input("Fractions of the data", "0.1,0.25,0.5,1", key="improve_fractions", **KEEP)
    repeats = cells[1].number_input("Repeats at 10-25% (seeds)", 1, 10, 3, key="improve_repeats", **KEEP,
                                    help="The small fractions are cheap: their spread over seeds tells how noisy "
                                         "the curve is.")

    def start():
        try:
            fractions = [float(x) for x in fractions_text.split(",") if x.strip()]
        except ValueError:
            raise EmbedvizError(f"fractions must be numbers separated by commas, not {fractions_text!r}") from None
        start_curve(models, spec, kind, parameters, owner, fractions, curve_score, repeats=int(repeats))

    start_button("Draw the learning curve", "improve_curve_start", my_jobs("curve"), start)

    def curve(job, done):
        if done and job.result():
            curve_result(job.result(), key=f"improve-curve-{job.id}")
        else:
            points = [e["point"] for e in job.events() if e.get("stage") == "point"]
            if points:
                st.dataframe([{"fraction": p["fraction"], "documents": p["documents"], "score": p["score"],
                               "seconds": round(p["seconds"], 1)} for p in points], hide_index=True)

    latest("curve", "Learning curve", curve)

with tab_tune:
    st.markdown("Trial 0 is the defaults; Optuna proposes the others. Then the defaults and the best settings "
                "are retrained with fresh seeds, so the gain reported is not the luck of one seed.")
    kind, tune_score, parameters = learner_panel("improve_tune")
    cells = st.columns(3)
    trials = cells[0].number_input("Trials", 1, 200, 12, key="improve_trials", **KEEP)
    confirm = cells[1].number_input("Fresh seeds to confirm the gain", 0, 10, 3, key="improve_confirm", **KEEP)
    suggested_name("improve_tune_name", f"{spec.stem()}-tuned")
    tune_name = cells[2].text_input("Save the best model as", key="improve_tune_name",
                                    help="Leave empty to save nothing.").strip()
    fixed = ({k: knobs[k] for k in ("label_column", "epochs", "min_count", "batch_size", "patience")}
             if kind == "classifier" else {k: parameters[k] for k in ("epochs", "min_count")})
    st.caption("Kept fixed: " + ", ".join(md_escape(f"{k}={v}") for k, v in fixed.items()))

    def start_search():
        if tune_name:
            check_name(tune_name)
        start_tune(models, spec, kind, fixed, owner, int(trials), tune_score, tune_name or None,
                   confirm=int(confirm))

    start_button("Start the search", "improve_tune_start", my_jobs("tune"), start_search)

    def search(job, done):
        rows = [{"trial": e["trial"], "score": e["score"], "best so far": e["best_score"],
                 "seconds": round(e["seconds"] or 0, 1), **e["params"]}
                for e in job.events() if e.get("stage") == "trial-done"]
        if rows:
            st.dataframe(rows, hide_index=True)
        if done and job.result():
            tune_result(job.result(), key=f"improve-tune-{job.id}")

    latest("tune", "Search", search)

with tab_compare:
    compare_table()
