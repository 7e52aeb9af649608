"""Widgets of the Improve page: the knobs of each learner, and the outcome of a training, a learning
curve, a search and a comparison of runs. Every number shown comes from the engine's result
(embedviz.training.curve_reading, embedviz.training.tune, embedviz.training.runs); nothing here computes a verdict."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from embedviz.training.classifier import Predictor
from embedviz.training.classifier_params import POOLINGS, ClassifierParameters
from embedviz.core.errors import ParameterError
from embedviz.text.specs import CorpusSpec, bundled_spec
from embedviz.training.curves import CLASSIFIER_SCORES, SCORE_NAMES, WORD_SCORES
from embedviz.core.errors import EmbedvizError
from embedviz.figures.improve import importance_figure, learning_curve_figure, tuning_history_figure
from embedviz.training.runs import compare_runs, is_run
from embedviz.vectors.store import META_FILE
from embedviz.training.gensim import TrainingParameters
from embedviz.ui.cache import store
from embedviz.ui.corpus_widgets import chosen_spec
from embedviz.ui.jobs_panel import duration
from embedviz.ui.sidebar import select_model
from embedviz.ui.text import md_error, md_escape

KEEP = dict(persist_state="session")
KINDS = {"classifier": "Classifier (PyTorch, labelled text)", "word2vec": "Word vectors (Word2Vec)",
         "fasttext": "Word vectors (FastText)"}


def score_name(score: str) -> str:
    return SCORE_NAMES.get(score, score)


def data_choices() -> dict[str, tuple[CorpusSpec, str]]:
    """The labelled data to choose from: the bundled corpora's labels, and the label columns of the
    corpus chosen on the Corpus page (if it is not a bundled one)."""
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


def learner_panel(key: str, knobs: dict) -> tuple[str, str, dict]:
    """The learner of a curve or a search, its score and its parameters (the classifier's are the
    first tab's; word vectors have their own widgets)."""
    cells = st.columns(2)
    kind = cells[0].selectbox("Model", list(KINDS), format_func=KINDS.get, key=f"{key}_kind", **KEEP)
    scores = CLASSIFIER_SCORES if kind == "classifier" else WORD_SCORES
    score = cells[1].selectbox("Score", scores, format_func=score_name, key=f"{key}_score_{kind}")
    if kind == "classifier":
        st.caption("The classifier's settings are those of the first tab.")
        return kind, score, knobs
    return kind, score, word_vector_knobs(f"{key}_{kind}")


def curve_options() -> tuple[str, int]:
    cells = st.columns(2)
    fractions = cells[0].text_input("Fractions of the data", "0.1,0.25,0.5,1", key="improve_fractions", **KEEP)
    repeats = cells[1].number_input("Repeats at 10-25% (seeds)", 1, 10, 3, key="improve_repeats", **KEEP,
                                    help="The small fractions are cheap: their spread over seeds tells how noisy "
                                         "the curve is.")
    return fractions, int(repeats)


def fractions_of(text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ParameterError(f"fractions must be numbers separated by commas, not {text!r}") from None


def fixed_parameters(kind: str, knobs: dict, parameters: dict) -> dict:
    """What a search keeps fixed: the label and the training budget (the rest is searched)."""
    if kind == "classifier":
        return {k: knobs[k] for k in ("label_column", "epochs", "min_count", "batch_size", "patience")}
    return {k: parameters[k] for k in ("epochs", "min_count")}


def curve_section(job, done: bool) -> None:
    if done and job.result():
        curve_result(job.result(), key=f"improve-curve-{job.id}")
        return
    points = [e["point"] for e in job.events() if e.get("stage") == "point"]
    if points:
        st.dataframe([{"fraction": p["fraction"], "documents": p["documents"], "score": p["score"],
                       "seconds": round(p["seconds"], 1)} for p in points], hide_index=True)


def tune_section(job, done: bool) -> None:
    rows = [{"trial": e["trial"], "score": e["score"], "best so far": e["best_score"],
             "seconds": round(e["seconds"] or 0, 1), **e["params"]}
            for e in job.events() if e.get("stage") == "trial-done"]
    if rows:
        st.dataframe(rows, hide_index=True)
    if done and job.result():
        tune_result(job.result(), key=f"improve-tune-{job.id}")


# -- knobs -----------------------------------------------------------------------------------------
def classifier_knobs(label_column: str, names: list[str], active: str | None) -> dict:
    """The classifier's parameters, as widgets (defaults from ClassifierParameters)."""
    d = ClassifierParameters()
    st.markdown("Words -> **embedding layer** -> pooling -> [batch norm] -> dropout -> [hidden layer] "
                "-> class scores. Each knob below fights overfitting or underfitting.")
    c = st.columns(4)
    dim = c[0].number_input("Embedding size", 2, 1000, d.dim, key="improve_dim", **KEEP)
    pooling = c[1].selectbox("Pooling", POOLINGS, key="improve_pooling", **KEEP,
                             help="How a text's word vectors become one: their mean, a GRU, or a CNN.")
    hidden = c[2].number_input("Hidden units", 0, 4096, d.hidden, key="improve_hidden", **KEEP,
                               help="0: no hidden layer (a linear model on the pooled vector).")
    epochs = c[3].number_input("Epochs (at most)", 1, 200, d.epochs, key="improve_epochs", **KEEP)
    c = st.columns(4)
    dropout = c[0].slider("Dropout", 0.0, 0.9, d.dropout, 0.05, key="improve_dropout", **KEEP,
                          help="Share of units zeroed at random while training: fights overfitting.")
    weight_decay = c[1].number_input("Weight decay (L2)", 0.0, 1.0, d.weight_decay, step=1e-4, format="%.5f",
                                     key="improve_weight_decay", **KEEP)
    lr = c[2].number_input("Learning rate", 1e-5, 1.0, d.lr, step=1e-4, format="%.4f", key="improve_lr", **KEEP)
    batch_size = c[3].number_input("Batch size", 2, 4096, d.batch_size, key="improve_batch_size", **KEEP)
    c = st.columns(4)
    patience = c[0].number_input("Early-stopping patience", 0, 100, d.patience, key="improve_patience", **KEEP,
                                 help="Stop after this many epochs without a better validation accuracy "
                                      "(the best epoch's weights are kept); 0 = off.")
    min_count = c[1].number_input("Min count", 1, 1000, d.min_count, key="improve_min_count", **KEEP)
    batch_norm = c[2].checkbox("Batch normalisation", d.batch_norm, key="improve_batch_norm", **KEEP)
    with st.expander("Start from pretrained vectors, augment the data"):
        c = st.columns(2)
        init_from = c[0].selectbox("Initialise the embedding from", ["(random)"] + names, key="improve_init_from",
                                   **KEEP, help="A store model of the same size; its vectors fill the rows of "
                                                "the words both know (transfer learning).")
        freeze = c[1].checkbox("Freeze the embedding", False, key="improve_freeze", **KEEP,
                               disabled=init_from == "(random)")
        c = st.columns(3)
        deletion = c[0].slider("Word deletion", 0.0, 0.5, 0.0, 0.05, key="improve_aug_deletion", **KEEP)
        swap = c[1].number_input("Word swaps per text", 0, 20, 0, key="improve_aug_swap", **KEEP)
        synonym = c[2].slider("Synonym replacement", 0.0, 0.5, 0.0, 0.05, key="improve_aug_synonym", **KEEP,
                              help="Replace words by a near neighbour in the active word-vector model.")
        st.caption("With augmentation on, the same model is also trained without it (same seed, same "
                   "split), so its effect is measured rather than assumed.")
    init = None if init_from == "(random)" else init_from
    augment = None
    if deletion or swap or synonym:
        augment = {"deletion": float(deletion), "swap": int(swap), "synonym": float(synonym),
                   "synonym_model": (active or "demo") if synonym else None}
    return dict(label_column=label_column, dim=int(dim), pooling=pooling, hidden=int(hidden), dropout=float(dropout),
                batch_norm=bool(batch_norm), weight_decay=float(weight_decay), lr=float(lr),
                batch_size=int(batch_size), epochs=int(epochs), patience=int(patience), min_count=int(min_count),
                init_from=init, freeze=bool(freeze and init), augment=augment)


def word_vector_knobs(key: str) -> dict:
    """Word2Vec/FastText parameters of a curve or a search, with their own keys (not the classifier's)."""
    d = TrainingParameters()
    c = st.columns(3)
    dim = c[0].number_input("Dimensions", 2, 1000, d.dim, key=f"{key}_dim", **KEEP)
    epochs = c[1].number_input("Epochs", 1, 100, d.epochs, key=f"{key}_epochs", **KEEP)
    min_count = c[2].number_input("Min count", 1, 1000, max(2, d.min_count), key=f"{key}_min_count", **KEEP)
    return {"dim": int(dim), "epochs": int(epochs), "min_count": int(min_count)}


# -- a trained classifier ----------------------------------------------------------------------------
@st.cache_resource(max_entries=4, show_spinner="Loading the classifier...")
def _predictor(folder: str, stamp: float) -> Predictor:
    return Predictor.from_folder(folder)


def _stamp(name: str) -> float:
    try:
        return os.stat(store().path(name) / META_FILE).st_mtime
    except OSError:
        return 0.0


def trained_classifier(name: str) -> None:
    """Test accuracy against TF-IDF (with its significance), the augmentation pair, "Try a sentence"."""
    meta = store().meta(name)
    row = next((r for r in compare_runs([meta]).rows), {})
    cells = st.columns(3)
    test, baseline = meta.get("test_accuracy"), (meta.get("baseline") or {}).get("test_accuracy")
    cells[0].metric("Test accuracy", "-" if test is None else f"{test:.1%}",
                    None if test is None or baseline is None else f"{test - baseline:+.1%} vs TF-IDF")
    cells[1].metric("TF-IDF + logistic regression", "-" if baseline is None else f"{baseline:.1%}",
                    help="The classic baseline, trained on the same split: a neural model should match it.")
    cells[2].metric("Best epoch", f"{meta.get('best_epoch')} of {len(meta.get('history', []))}",
                    "stopped early" if meta.get("stopped_early") else None, delta_color="off")
    if row.get("vs TF-IDF", "-") != "-":
        st.caption(f"Against TF-IDF on the same test documents (McNemar's test): {md_escape(row['vs TF-IDF'])}")
    if row.get("without augmentation", "-") != "-":
        st.info(f"Without augmentation (same seed, same split): {md_escape(row['without augmentation'])}")
    st.button("Explore this classifier's embedding", key=f"improve-explore-{name}", on_click=select_model,
              args=(name,), help="Make it the active model. Its neighbours show what separates the labels, "
                                 "not what words mean; the other pages say so.")
    examples = meta.get("examples") or []
    placeholder = examples[0][1] if examples else "a sentence like the ones in the corpus"
    text = st.text_input("Try a sentence", key="improve_try", placeholder=placeholder)
    if text.strip():
        try:
            label, probabilities = _predictor(str(store().path(name)), _stamp(name)).predict(text)[0]
        except EmbedvizError as exc:
            st.error(md_error(exc))
            return
        st.markdown(f"Predicted class: **{md_escape(label)}**")
        st.dataframe(pd.DataFrame({"class": list(probabilities), "probability": list(probabilities.values())})
                     .sort_values("probability", ascending=False), hide_index=True,
                     column_config={"probability": st.column_config.ProgressColumn(min_value=0, max_value=1)})


# -- a learning curve, a search ------------------------------------------------------------------------
def curve_result(result: dict, key: str) -> None:
    st.plotly_chart(learning_curve_figure(result), key=key)
    gain = result.get("expected_gain") or {}
    if gain:
        c = st.columns(3)
        c[0].metric("Verdict", result["verdict"])
        c[1].metric("Gain of one more doubling", f"{gain['estimate']:+.4f}",
                    help=f"{gain['level']:.0%} interval {gain['low']:+.4f} to {gain['high']:+.4f} "
                         f"({gain['method']})", delta_color="off")
        c[2].metric("Noise of a point", f"±{result['noise']:.4f}",
                    help="The standard error of one point's score: seeds (repeats) and the size of the "
                         "validation part or benchmark.")
    st.info(md_escape(result["reading"]))


def tune_result(result: dict, key: str) -> None:
    left, right = st.columns(2)
    left.plotly_chart(tuning_history_figure(result), key=f"{key}-history")
    right.plotly_chart(importance_figure(result), key=f"{key}-importance")
    confirmation = result.get("confirmation") or {}
    (st.success if confirmation.get("real") else st.info)(md_escape(result.get("reading") or ""))
    st.caption(f"Search gain on one seed: {result['gain']:+.4f} in {duration(result['seconds'])}.")


# -- compare runs ----------------------------------------------------------------------------------------
def compare_table() -> None:
    metas = [m for m in store().list() if is_run(m)]
    if not metas:
        st.info("No classifier or tuned model in the store yet: train one in the first tab.")
        return
    names = [m["name"] for m in metas]
    reference = st.selectbox("Compare every run with", ["(none)"] + names, key="improve_compare_reference",
                             help="Differences in test accuracy on the same test documents, with McNemar's "
                                  "test: is the difference more than the luck of which documents were drawn?")
    table = compare_runs(metas, None if reference == "(none)" else reference)
    st.dataframe(pd.DataFrame(table.rows, columns=table.columns), hide_index=True,
                 column_config={"model": st.column_config.TextColumn(width="large", pinned=True),
                                **{c: st.column_config.NumberColumn(format="percent") for c in
                                   ("test accuracy", "validation accuracy", "training accuracy", "TF-IDF")}})
    st.caption("Columns: every parameter that differs between these runs. A difference is 'within noise' "
               "when McNemar's test cannot tell it from the luck of the test documents (p >= 0.05); on a "
               "few hundred test documents a point or two usually is.")
