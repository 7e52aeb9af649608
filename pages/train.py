"""Train: train word vectors on the chosen corpus in a background job, and watch it learn.

The corpus is the Corpus page's choice (``st.session_state["corpus_spec"]``, or the owner's choice
remembered on disk), else the bundled demo corpora. "Start training" starts a job (embedviz.jobs):
its own OS process, so a page switch, a reload or a closed tab never stops it. A fragment re-reads
the job folders every second while a job of this session is active, without blocking the page.

Who sees which job: every job records its owner, this browser session's id
(embedviz.ui.corpus_widgets.session_owner). The page shows the owner's own jobs (running ones with
live progress, loss curve and Cancel; finished ones with their outcome until dismissed; a finished
one selects its model once), and only how many trainings of other sessions are running. The
sections are in embedviz.ui.train_page.
"""

import streamlit as st

from embedviz.jobs.kinds import start_training
from embedviz.jobs.registry import list_jobs
from embedviz.text.specs import CorpusSpec, default_spec
from embedviz.ui import train_page as sections
from embedviz.ui.cache import store
from embedviz.ui.corpus_widgets import chosen_spec, session_owner
from embedviz.ui.jobs_panel import model_name, start_button, watch
from embedviz.ui.login import viewer
from embedviz.ui.navigation import within_app

within_app()  # a first request straight to this page still goes through app.py

st.title("Train")
owner = session_owner()
models = store()
chosen = chosen_spec()
spec = CorpusSpec.from_dict(chosen) if chosen else default_spec()
sections.corpus_summary(spec, bool(chosen))
algo, parameters, short = sections.hyperparameters()
name, problem = model_name(models, "train_model_name", spec.stem(), short)


def mine_active() -> list:
    return [job for job in list_jobs(models, owner=owner, active=True) if job.spec().get("kind") == "train"]


if mine_active():
    st.caption("One training at a time per session: wait for the running one or cancel it.")
start_button("Start training", "train_start", lambda: start_training(models, spec, parameters, name, owner, algo=algo, model_owner=viewer().user),
             disabled=bool(problem or mine_active()), name_key="train_model_name")
watch(lambda: sections.trainings(models, owner), lambda: bool(mine_active()))
