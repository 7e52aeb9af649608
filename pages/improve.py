"""Improve: train a text classifier with an embedding layer, regularise it, and see whether more data
or other hyperparameters would help.

Every training, learning curve and search runs as a background job (embedviz.jobs); the newest
job of each kind is shown with the job component of embedviz.ui.jobs_panel, polled every second
while it runs. The data is a bundled labelled corpus, or the session's corpus if it has label
columns. The widgets and the outcome panels are in embedviz.ui.improve_widgets.
"""

import streamlit as st

from embedviz.figures.improve import epochs_figure
from embedviz.jobs.kinds import start_curve, start_training, start_tune
from embedviz.jobs.registry import list_jobs
from embedviz.ui import improve_widgets as widgets
from embedviz.ui.cache import store
from embedviz.ui.corpus_widgets import session_owner
from embedviz.ui.jobs_panel import KEEP, job_card, model_name, start_button, watch
from embedviz.ui.login import viewer
from embedviz.ui.navigation import within_app
from embedviz.ui.sidebar import active_model
from embedviz.ui.text import md_escape

within_app()  # a first request straight to this page still goes through app.py

st.title("Improve a model")
st.caption("Regularise a classifier, then ask the two questions of the course: would more data help "
           "(learning curve), and would other hyperparameters (search)? Every run is a background job.")
owner = session_owner()
models = store()
choices = widgets.data_choices()
data = st.selectbox("Data: corpus and the label to predict", list(choices), key="improve_data", **KEEP,
                    help="A bundled labelled corpus, or the corpus chosen on the Corpus page if it has label columns.")
spec, label_column = choices[data]


def my_jobs(kind: str) -> list:
    jobs = [job for job in list_jobs(models, owner=owner) if job.spec().get("kind") == kind]
    return [job for job in jobs if kind != "train" or job.spec().get("algo") == "torch-classifier"]


def latest(kind: str, body) -> None:
    """The newest job of ``kind``, redrawn every second while it runs."""
    def section():
        jobs = my_jobs(kind)
        if jobs:
            job_card(jobs[0], key=f"improve-{kind}-{jobs[0].id}", body=body)

    watch(section, lambda: any(job.status().active for job in my_jobs(kind)))


def busy(kind: str) -> bool:
    return any(job.status().active for job in my_jobs(kind))


tab_train, tab_curve, tab_tune, tab_compare = st.tabs(
    ["Train a classifier", "Learning curve", "Hyperparameter search", "Compare runs"])

with tab_train:
    knobs = widgets.classifier_knobs(label_column, models.names(), active_model())
    name, problem = model_name(models, "improve_name", spec.stem(), f"{label_column}-clf")
    start_button("Start training", "improve_start", disabled=bool(problem) or busy("train"), name_key="improve_name",
                 start=lambda: start_training(models, spec, knobs, name, owner, algo="torch-classifier", model_owner=viewer().user))

    def trained(job, done):
        st.markdown(f"**{md_escape(job.model)}**")
        history = job.events(stage="training")
        if history:
            st.plotly_chart(epochs_figure(history, height=340), key=f"improve-epochs-{job.id}")
        if done and models.exists(job.model):
            job.mark_seen()  # the word model in use elsewhere stays the active one
            widgets.trained_classifier(job.model)

    latest("train", trained)

with tab_curve:
    st.markdown("The same model retrained on growing shares of the data: if the score still rises, more data "
                "helps; if it has flattened, a better model does. Each point carries its noise.")
    kind, score, parameters = widgets.learner_panel("improve_curve", knobs)
    fractions, repeats = widgets.curve_options()
    start_button("Draw the learning curve", "improve_curve_start", disabled=busy("curve"),
                 start=lambda: start_curve(models, spec, kind, parameters, owner, widgets.fractions_of(fractions),
                                           score, repeats=repeats))
    latest("curve", widgets.curve_section)

with tab_tune:
    st.markdown("Trial 0 is the defaults; Optuna proposes the others. Then the defaults and the best settings "
                "are retrained with fresh seeds, so the gain reported is not the luck of one seed.")
    kind, score, parameters = widgets.learner_panel("improve_tune", knobs)
    cells = st.columns(3)
    trials = cells[0].number_input("Trials", 1, 200, 12, key="improve_trials", **KEEP)
    confirm = cells[1].number_input("Fresh seeds to confirm the gain", 0, 10, 3, key="improve_confirm", **KEEP)
    tune_name, problem = model_name(models, "improve_tune_name", spec.stem(), "tuned", "Save the best model as",
                                    optional=True, container=cells[2])
    fixed = widgets.fixed_parameters(kind, knobs, parameters)
    st.caption("Kept fixed: " + ", ".join(md_escape(f"{k}={v}") for k, v in fixed.items()))
    start_button("Start the search", "improve_tune_start", disabled=bool(problem) or busy("tune"),
                 start=lambda: start_tune(models, spec, kind, fixed, owner, int(trials), score, tune_name or None,
                                          confirm=int(confirm)))
    latest("tune", widgets.tune_section)

with tab_compare:
    widgets.compare_table()
