"""Improve: train a text classifier with an embedding layer, regularise it, and see whether more data
or other hyperparameters would help.

Every training, learning curve and search runs as a background job (embedviz.jobs,
embedviz.job_kinds); fragments re-read the job folders every second while one of this session's is
active. The data is a bundled labelled corpus, or the session's corpus if it has label columns.
"""

import os

import pandas as pd
import streamlit as st

from embedviz.classifier import POOLINGS, ClassifierParameters, Predictor
from embedviz.curves import CLASSIFIER_SCORES, WORD_SCORES
from embedviz.errors import EmbedvizError
from embedviz.improve_figures import (epochs_figure, importance_figure, learning_curve_figure,
                                      tuning_history_figure)
from embedviz.job_kinds import start_curve, start_torch_training, start_tune
from embedviz.jobs import list_jobs
from embedviz.store import META_FILE, check_name
from embedviz.ui.cache import store
from embedviz.ui.corpus_widgets import chosen_spec, duration, session_owner
from embedviz.ui.sidebar import select_model
from embedviz.uploads import CorpusSpec, bundled_spec
from embedviz.ui.navigation import within_app
from embedviz.ui.text import md_error, md_escape

within_app()  # a first request straight to this page still goes through app.py

KEEP = dict(persist_state="session")
KINDS = {"classifier": "Classifier (PyTorch, labelled text)", "word2vec": "Word vectors (Word2Vec)",
         "fasttext": "Word vectors (FastText)"}

st.title("Improve a model")
st.caption("Regularise a classifier, then ask the two questions of the course: would more data help "
           "(learning curve), and would other hyperparameters (search)? Every run is a background job.")
owner = session_owner()
models = store()


# -- the data ------------------------------------------------------------------------------------------
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
                    help="A bundled labelled corpus, or the corpus chosen on the Corpus page if it has "
                         "label columns.")
spec, label_column = choices[data]


def my_jobs(kind: str) -> list:
    jobs = [job for job in list_jobs(models, owner=owner) if job.spec().get("kind") == kind]
    return [job for job in jobs if kind != "train" or job.spec().get("algo") == "torch-classifier"]


def free_name(base: str) -> str:
    busy = {job.model for job in list_jobs(models, active=True)}
    name, number = base, 2
    while models.exists(name) or name in busy:
        name, number = f"{base}-{number}", number + 1
    return name


def suggested_name(key: str, base: str) -> None:
    """Fill the name input ``key`` with a free name until the user types one of their own."""
    suggestion = free_name(base)
    if st.session_state.get(key) in (None, "", st.session_state.get(f"{key}_suggested")):
        st.session_state[key] = suggestion
    st.session_state[f"{key}_suggested"] = suggestion


def job_header(job, what: str) -> bool:
    """Progress line, Cancel button and outcome of ``job``; True when it is done."""
    status = job.status()
    if status.active:
        fraction = status.epoch / status.epochs if status.epochs else 0.0
        st.progress(min(1.0, fraction), text=f"{what}: {md_escape(status.message or status.state)}")
        if st.button("Cancel", key=f"improve-cancel-{job.id}"):
            job.cancel()
            st.rerun()
    elif status.state == "done":
        st.success(f"Done: {md_error(status.message)}.")
    else:
        st.error(f"{status.state.capitalize()}: {md_error(status.message)}")
    return status.state == "done"


def watch(section, jobs) -> None:
    """Run ``section`` as a fragment that polls every second while one of ``jobs`` is active."""
    polling = any(job.status().active for job in jobs)

    def body():
        section()
        if polling and not any(job.status().active for job in jobs):
            st.rerun()  # it ended: one full run draws the outcome and stops the polling

    st.fragment(body, run_every=1.0 if polling else None)()


@st.cache_resource(max_entries=4, show_spinner="Loading the classifier...")
def predictor(folder: str, stamp: float) -> Predictor:
    return Predictor.from_folder(folder)


def model_stamp(name: str) -> float:
    try:
        return os.stat(models.path(name) / META_FILE).st_mtime
    except OSError:
        return 0.0


tab_train, tab_curve, tab_tune, tab_compare = st.tabs(
    ["Train a classifier", "Learning curve", "Hyperparameter search", "Compare runs"])

# -- the classifier's knobs (also used by the curve and the search) -------------------------------------
defaults = ClassifierParameters()
with tab_train:
    st.markdown("Words -> **embedding layer** -> pooling -> [batch norm] -> dropout -> [hidden layer] "
                "-> class scores. Each knob below fights overfitting or underfitting.")
    cells = st.columns(4)
    dim = cells[0].number_input("Embedding size", 2, 1000, defaults.dim, key="improve_dim", **KEEP)
    pooling = cells[1].selectbox("Pooling", POOLINGS, key="improve_pooling", **KEEP,
                                 help="How a text's word vectors become one: their mean, a GRU, or a CNN.")
    hidden = cells[2].number_input("Hidden units", 0, 4096, defaults.hidden, key="improve_hidden", **KEEP,
                                   help="0: no hidden layer (a linear model on the pooled vector).")
    epochs = cells[3].number_input("Epochs", 1, 200, defaults.epochs, key="improve_epochs", **KEEP)
    cells = st.columns(4)
    dropout = cells[0].slider("Dropout", 0.0, 0.9, defaults.dropout, 0.05, key="improve_dropout", **KEEP,
                              help="Share of units zeroed at random while training: fights overfitting.")
    weight_decay = cells[1].number_input("Weight decay (L2)", 0.0, 1.0, defaults.weight_decay, step=1e-4,
                                         format="%.5f", key="improve_weight_decay", **KEEP)
    lr = cells[2].number_input("Learning rate", 1e-5, 1.0, defaults.lr, step=1e-4, format="%.4f",
                               key="improve_lr", **KEEP)
    batch_size = cells[3].number_input("Batch size", 2, 4096, defaults.batch_size, key="improve_batch_size",
                                       **KEEP)
    cells = st.columns(4)
    patience = cells[0].number_input("Early-stopping patience", 0, 100, defaults.patience,
                                     key="improve_patience", **KEEP,
                                     help="Stop after this many epochs without a better validation loss "
                                          "(the best epoch's weights are kept); 0 = off.")
    min_count = cells[1].number_input("Min count", 1, 1000, defaults.min_count, key="improve_min_count", **KEEP)
    batch_norm = cells[2].checkbox("Batch normalisation", defaults.batch_norm, key="improve_batch_norm", **KEEP)
    with st.expander("Start from pretrained vectors, augment the data"):
        names = models.names()
        cells = st.columns(2)
        init_from = cells[0].selectbox("Initialise the embedding from", ["(random)"] + names,
                                       key="improve_init_from", **KEEP,
                                       help="A store model of the same size; its vectors fill the rows "
                                            "of the words both know (transfer learning).")
        freeze = cells[1].checkbox("Freeze the embedding", False, key="improve_freeze", **KEEP,
                                   disabled=init_from == "(random)")
        cells = st.columns(3)
        deletion = cells[0].slider("Word deletion", 0.0, 0.5, 0.0, 0.05, key="improve_aug_deletion", **KEEP)
        swap = cells[1].number_input("Word swaps per text", 0, 20, 0, key="improve_aug_swap", **KEEP)
        synonym = cells[2].slider("Synonym replacement", 0.0, 0.5, 0.0, 0.05, key="improve_aug_synonym", **KEEP,
                                  help="Replace words by a near neighbour in the active word-vector model.")

init = None if init_from == "(random)" else init_from
augment = None
if deletion or swap or synonym:
    augment = {"deletion": float(deletion), "swap": int(swap), "synonym": float(synonym),
               "synonym_model": (st.session_state.get("active_model") or "demo") if synonym else None}
knobs = dict(label_column=label_column, dim=int(dim), pooling=pooling, hidden=int(hidden), dropout=float(dropout),
             batch_norm=bool(batch_norm), weight_decay=float(weight_decay), lr=float(lr),
             batch_size=int(batch_size), epochs=int(epochs), patience=int(patience), min_count=int(min_count),
             init_from=init, freeze=bool(freeze and init), augment=augment)


# -- tab 1: train ----------------------------------------------------------------------------------------
def trained_model(name: str) -> None:
    meta = models.meta(name)
    cells = st.columns(3)
    test, baseline = meta.get("test_accuracy"), (meta.get("baseline") or {}).get("test_accuracy")
    cells[0].metric("Test accuracy", "-" if test is None else f"{test:.1%}",
                    None if test is None or baseline is None else f"{test - baseline:+.1%} vs baseline")
    cells[1].metric("TF-IDF + logistic regression", "-" if baseline is None else f"{baseline:.1%}",
                    help="The classic baseline, trained on the same split: a neural model should beat it.")
    cells[2].metric("Best epoch", f"{meta.get('best_epoch')} of {len(meta.get('history', []))}",
                    "stopped early" if meta.get("stopped_early") else None, delta_color="off")
    text = st.text_input("Try a sentence", key="improve_try", placeholder="O Romeo, Romeo, wherefore art thou")
    if text.strip():
        try:
            label, probabilities = predictor(str(models.path(name)), model_stamp(name)).predict(text)[0]
        except EmbedvizError as exc:
            st.error(md_error(exc))
        else:
            st.markdown(f"Predicted class: **{md_escape(label)}**")
            st.dataframe(pd.DataFrame({"class": list(probabilities), "probability": list(probabilities.values())})
                         .sort_values("probability", ascending=False), hide_index=True,
                         column_config={"probability": st.column_config.ProgressColumn(min_value=0, max_value=1)})


with tab_train:
    suggested_name("improve_name", f"{spec.stem()}-{label_column}-clf")
    name = st.text_input("Model name", key="improve_name")
    train_jobs = my_jobs("train")
    running = [job for job in train_jobs if job.status().active]
    if st.button("Start training", type="primary", disabled=bool(running), key="improve_start"):
        try:
            start_torch_training(models, spec, "torch-classifier", knobs, name.strip(), owner)
        except EmbedvizError as exc:
            st.error(md_error(exc))
        else:
            st.rerun()

    def train_section():
        jobs = my_jobs("train")
        if not jobs:
            return
        job = jobs[0]
        st.markdown(f"**{md_escape(job.model)}**")
        done = job_header(job, "Training")
        history = job.events(stage="training")
        if history:
            st.plotly_chart(epochs_figure(history, height=320), key=f"improve-epochs-{job.id}")
        if done and models.exists(job.model):
            if not job.seen:
                job.mark_seen()
                select_model(job.model)
            trained_model(job.model)

    watch(train_section, train_jobs)


# -- tab 2: learning curve -------------------------------------------------------------------------------
def scores(kind: str) -> tuple:
    return CLASSIFIER_SCORES if kind == "classifier" else WORD_SCORES


def learner_parameters(kind: str) -> dict:
    if kind == "classifier":
        return knobs
    return {"dim": int(dim), "epochs": int(epochs), "min_count": max(2, int(min_count))}


with tab_curve:
    st.markdown("The same model retrained on growing shares of the data: if the score still rises, more "
                "data helps; if it is flat, a better model does.")
    cells = st.columns(3)
    curve_kind = cells[0].selectbox("Model", list(KINDS), format_func=KINDS.get, key="improve_curve_kind", **KEEP)
    fractions_text = cells[1].text_input("Fractions of the data", "0.1,0.25,0.5,1", key="improve_fractions", **KEEP)
    curve_score = cells[2].selectbox("Score", scores(curve_kind), key=f"improve_curve_score_{curve_kind}")
    curve_jobs = my_jobs("curve")
    if st.button("Draw the learning curve", disabled=any(j.status().active for j in curve_jobs),
                 key="improve_curve_start"):
        try:
            fractions = [float(x) for x in fractions_text.split(",") if x.strip()]
            start_curve(models, spec, curve_kind, learner_parameters(curve_kind), owner, fractions, curve_score)
        except ValueError:
            st.error(md_escape(f"fractions must be numbers separated by commas, not {fractions_text!r}"))
        except EmbedvizError as exc:
            st.error(md_error(exc))
        else:
            st.rerun()

    def curve_section():
        jobs = my_jobs("curve")
        if not jobs:
            return
        job = jobs[0]
        if job_header(job, "Learning curve") and job.result():
            result = job.result()
            st.plotly_chart(learning_curve_figure(result), key=f"improve-curve-{job.id}")
            st.info(md_escape(result["reading"]))
        else:
            points = [e["point"] for e in job.events() if e.get("stage") == "point"]
            if points:
                st.dataframe([{"fraction": p["fraction"], "documents": p["documents"], "score": p["score"],
                               "seconds": round(p["seconds"], 1)} for p in points], hide_index=True)

    watch(curve_section, curve_jobs)


# -- tab 3: hyperparameter search ------------------------------------------------------------------------
with tab_tune:
    st.markdown("Trial 0 is the defaults; Optuna proposes the others. The gain over trial 0 is what "
                "tuning bought.")
    cells = st.columns(4)
    tune_kind = cells[0].selectbox("Model", list(KINDS), format_func=KINDS.get, key="improve_tune_kind", **KEEP)
    trials = cells[1].number_input("Trials", 1, 200, 10, key="improve_trials", **KEEP)
    tune_score = cells[2].selectbox("Score", scores(tune_kind), key=f"improve_tune_score_{tune_kind}")
    suggested_name("improve_tune_name", f"{spec.stem()}-tuned")
    tune_name = cells[3].text_input("Save the best model as", key="improve_tune_name", help="Leave empty to save nothing.").strip()
    if tune_kind == "classifier":
        fixed = {"label_column": label_column, "epochs": int(epochs), "min_count": int(min_count),
                 "batch_size": int(batch_size), "patience": int(patience)}
    else:
        fixed = {"epochs": int(epochs), "min_count": max(2, int(min_count))}
    st.caption("Kept fixed: " + ", ".join(md_escape(f"{k}={v}") for k, v in fixed.items()))
    tune_jobs = my_jobs("tune")
    if st.button("Start the search", disabled=any(j.status().active for j in tune_jobs), key="improve_tune_start"):
        try:
            if tune_name:
                check_name(tune_name)
            start_tune(models, spec, tune_kind, fixed, owner, int(trials), tune_score, tune_name or None)
        except EmbedvizError as exc:
            st.error(md_error(exc))
        else:
            st.rerun()

    def tune_section():
        jobs = my_jobs("tune")
        if not jobs:
            return
        job = jobs[0]
        done = job_header(job, "Search")
        rows = [{"trial": e["trial"], "score": e["score"], "best so far": e["best_score"],
                 "seconds": round(e["seconds"] or 0, 1), **e["params"]}
                for e in job.events() if e.get("stage") == "trial-done"]
        if rows:
            st.dataframe(rows, hide_index=True)
        result = job.result() if done else None
        if result:
            left, right = st.columns(2)
            left.plotly_chart(tuning_history_figure(result), key=f"improve-history-{job.id}")
            right.plotly_chart(importance_figure(result), key=f"improve-importance-{job.id}")
            st.caption(f"Gain over the defaults: {result['gain']:+.4f} in {duration(result['seconds'])}.")

    watch(tune_section, tune_jobs)


# -- tab 4: compare --------------------------------------------------------------------------------------
with tab_compare:
    rows = []
    for meta in models.list():
        if meta.get("trainer") != "torch-classifier" and "tuning" not in meta:
            continue
        parameters = meta.get("parameters", {})
        rows.append({"model": meta["name"], "trainer": meta.get("trainer"),
                     "label": parameters.get("label_column"),
                     "test accuracy": meta.get("test_accuracy"), "validation accuracy": meta.get("val_accuracy"),
                     "baseline": (meta.get("baseline") or {}).get("test_accuracy"),
                     "tuned": "tuning" in meta,
                     **{k: parameters.get(k) for k in ("dim", "pooling", "hidden", "dropout", "batch_norm",
                                                       "weight_decay", "lr", "epochs")}})
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.info("No classifier or tuned model in the store yet: train one in the first tab.")
