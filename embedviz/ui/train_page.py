"""The Train page's sections: the corpus it trains on, the algorithm and its hyperparameters, and
the session's trainings. Widget keys are the page's (``train_*``), kept across page switches."""

from __future__ import annotations

import streamlit as st

from embedviz.core.settings import setting
from embedviz.figures.training import loss_figure
from embedviz.jobs.registry import list_jobs
from embedviz.text.specs import CorpusSpec
from embedviz.training.gensim import TrainingParameters, default_workers
from embedviz.vectors.snapshots import SNAPSHOT_WORDS
from embedviz.ui.jobs_panel import job_card
from embedviz.ui.sidebar import select_model
from embedviz.ui.text import md_code, md_escape

KEEP = dict(persist_state="session")
#: title -> (trainer, skip-gram?, the short name used in default model names)
ALGORITHMS = {
    "Word2Vec CBOW": ("word2vec", False, "cbow"),
    "Word2Vec skip-gram": ("word2vec", True, "skipgram"),
    "FastText CBOW": ("fasttext", False, "fasttext"),
    "FastText skip-gram": ("fasttext", True, "fasttext-sg"),
    "PyTorch skip-gram (SGNS)": ("torch-sgns", True, "sgns"),  # the classifier trains on Improve
}
SPARK = "Spark Word2Vec (skip-gram, on Apache Spark)"
ALGORITHMS_IF_SPARK = {SPARK: ("spark-word2vec", True, "spark")}  # offered when pyspark and Java are here
SHOWN_JOBS = 5


def algorithms() -> dict:
    """The trainers this server offers: Spark's only where it can run (pyspark and Java 17+)."""
    from embedviz.training.spark_session import spark_unavailable

    return ALGORITHMS | (ALGORITHMS_IF_SPARK if spark_unavailable() is None else {})


def algorithm_title(parameters: dict) -> str:
    for title, (algo, sg, _) in (ALGORITHMS | ALGORITHMS_IF_SPARK).items():
        if parameters.get("algo") == algo and (algo in ("torch-sgns", "spark-word2vec") or bool(parameters.get("sg")) == sg):
            return title
    return parameters.get("algo", "?")


def corpus_summary(spec: CorpusSpec, chosen: bool) -> None:
    """What will be read, and how (column names and file names escaped: they are the user's)."""
    with st.container(border=True):
        tokenizer = spec.tokenizer_options()
        how = [f"text column {md_code(spec.text_column)}" if spec.text_column else "plain text"]
        if spec.label_columns:
            how.append("labels " + ", ".join(md_code(c) for c in spec.label_columns))
        how.append("lowercase" if tokenizer.lowercase else "case kept")
        if tokenizer.deaccent:
            how.append("accents stripped")
        if tokenizer.numbers:
            how.append("numbers kept")
        how.append(f"tokens of {tokenizer.min_len}-{tokenizer.max_len} characters")
        if spec.phrases:
            how.append("phrases joined")
        st.markdown(f"**Corpus:** {md_escape(spec.title or ', '.join(spec.paths))}" + ("" if chosen else " (the default)")
                    + "  \n" + "; ".join(how))
        st.page_link("pages/corpus.py", label="Choose or upload another corpus", icon=":material/description:")


def hyperparameters() -> tuple[str, dict, str]:
    """The algorithm and its hyperparameters: (trainer, parameters dict, short name)."""
    offered = algorithms()
    title = st.selectbox(
        "Algorithm", list(offered), key="train_algorithm", **KEEP,
        help="Word2Vec learns one vector per word. CBOW predicts a word from its context (fast, good for "
             "frequent words); skip-gram predicts the context from the word (slower, better for rare "
             "words). FastText also learns vectors of character n-grams, so it can build a vector for "
             "any word, even one it never saw. PyTorch skip-gram is word2vec's skip-gram written out "
             "in PyTorch (slower; it shows an embedding layer learning)."
             + (" Spark Word2Vec trains on Apache Spark: for corpora on a cluster or too big for one machine "
                "(on one machine 2 to 5 times slower than gensim: see the README)." if SPARK in offered else ""))
    algo, sg, short = offered[title]
    if algo == "spark-word2vec":
        from embedviz.training.spark import SparkParameters

        d = SparkParameters()
    else:
        d = TrainingParameters()
    c = st.columns(4)
    values = dict(
        dim=c[0].number_input("Dimensions", 2, setting("EMBEDVIZ_MAX_DIMENSIONS"), d.dim, key="train_dim", **KEEP,
                              help="Length of each word vector. 100-300 is usual; more needs more text."),
        window=c[1].number_input("Window", 1, 100, d.window, key="train_window", **KEEP,
                                 help="How many words on each side count as context. Small windows favour "
                                      "syntax, large ones topics."),
        min_count=c[2].number_input("Min count", 1, 10**9, d.min_count, key="train_min_count", **KEEP,
                                    help="Words rarer than this get no vector (see the Zipf plot on the "
                                         "Corpus page)."),
        epochs=c[3].number_input("Epochs", 1, 1000, d.epochs, key="train_epochs", **KEEP,
                                 help="Passes over the corpus. More helps a small corpus."))
    if algo == "spark-word2vec":
        return algo, values | spark_options(d), short
    with st.expander("More hyperparameters"):
        c = st.columns(4)
        values.update(
            negative=c[0].number_input("Negative samples", 0, 100, d.negative, key="train_negative", **KEEP,
                                       help="Noise words per example (negative sampling); 0 uses hierarchical "
                                            "softmax instead. 5-20 is usual."),
            sample=c[1].number_input("Downsampling", 0.0, 0.999, d.sample, step=1e-4, format="%.5f",
                                     key="train_sample", **KEEP,
                                     help="Threshold for randomly skipping very frequent words (gensim "
                                          "`sample`); 0 keeps every word."),
            alpha=c[2].number_input("Learning rate", 0.0001, 1.0, d.alpha, step=0.005, format="%.4f",
                                    key="train_alpha", **KEEP,
                                    help="Initial learning rate; it falls linearly to the final rate."),
            min_alpha=c[3].number_input("Final learning rate", 0.0, 1.0, d.min_alpha, step=0.0001, format="%.5f",
                                        key="train_min_alpha", **KEEP))
        c = st.columns(4)
        values["seed"] = c[0].number_input("Seed", 0, 2**31 - 1, d.seed, key="train_seed", **KEEP,
                                           help="Random seed. With one worker thread, the same seed gives the "
                                                "same vectors every time.")
        if algo in ("word2vec", "fasttext"):
            values.update(sg=sg, workers=c[1].number_input(
                "Worker threads", 1, 64, default_workers(), key="train_workers", **KEEP,
                help="Threads gensim trains with; more than the machine's cores does not help."))
        if algo == "fasttext":
            values.update(
                min_n=c[2].number_input("Shortest n-gram", 1, 20, d.min_n, key="train_min_n", **KEEP,
                                        help="Character n-grams from this length..."),
                max_n=c[3].number_input("Longest n-gram", 1, 20, d.max_n, key="train_max_n", **KEEP,
                                        help="...to this length make up a FastText word vector."),
                bucket=st.number_input("N-gram buckets", 1000, 10_000_000, d.bucket, step=10_000, key="train_bucket",
                                       **KEEP, help="Hash buckets for n-gram vectors: memory is buckets x "
                                                    "dimensions x 4 bytes (200,000 x 100 = 80 MB)."))
    values["snapshots"] = snapshot_option(values["dim"], values["epochs"])
    return algo, values, short


def spark_options(d) -> dict:
    """Where Spark runs (one of the masters the server offers) and how it splits the work (its
    Word2Vec has no other choices)."""
    from embedviz.training.spark_session import offered_masters

    c = st.columns([2, 1, 1, 1])
    return dict(
        master=c[0].selectbox("Spark master", offered_masters(), key="train_spark_master", **KEEP,
                              help="local[*]: every core of this server; local[N]: N cores; spark://HOST:PORT: "
                                   "a standalone cluster; yarn. The server's EMBEDVIZ_SPARK_MASTERS lists them."),
        partitions=c[1].number_input("Partitions", 1, 10_000, d.partitions, key="train_spark_partitions", **KEEP,
                                     help="Shares of the corpus trained apart and averaged after each epoch: "
                                          "more is faster but less accurate (see the README's benchmark)."),
        alpha=c[2].number_input("Learning rate", 0.0001, 1.0, d.alpha, step=0.005, format="%.4f",
                                key="train_spark_alpha", **KEEP),
        seed=c[3].number_input("Seed", 0, 2**31 - 1, d.seed, key="train_spark_seed", **KEEP))


def snapshot_option(dim: int, epochs: int) -> int:
    """How many words' vectors to keep after every epoch (0: none), for the Evolution page."""
    left, right = st.columns([2, 1])
    keep = left.toggle("Keep snapshots (watch the space form on the Evolution page)", key="train_snapshots",
                       **KEEP, help="After every epoch, the vectors of the most frequent words are kept with the "
                                    "model (as float16).")
    if not keep:
        return 0
    words = right.number_input("Words kept per epoch", 100, 100_000, SNAPSHOT_WORDS, step=500,
                               key="train_snapshot_words", **KEEP)
    size = int(words) * int(dim) * int(epochs) * 2
    left.caption(f"About {size / 1e6:,.1f} MB beside the model ({int(words):,} words x {int(dim)} dimensions x "
                 f"{int(epochs)} epochs x 2 bytes).")
    return int(words)


def trainings(store, owner: str) -> None:
    """The session's trainings (the newest first), and how many other sessions' are running; a
    training of this session that ended selects its model once."""
    mine = [job for job in list_jobs(store, owner=owner) if job.spec().get("kind") == "train"]
    seen = st.session_state.setdefault("train_seen_jobs", set())  # in case the folder is read-only
    ended = [job for job in mine if job.id not in seen and not job.seen and job.status().finished]
    if ended:
        # Select the newest model once, then redraw the whole app (the sidebar was drawn already).
        for job in ended:
            job.mark_seen()
            seen.add(job.id)
        done = [job for job in ended if job.status().state == "done" and store.exists(job.model)]
        if done:
            select_model(done[0].model)
        st.rerun()
    if mine:
        st.subheader("Your trainings")
        for job in mine[:SHOWN_JOBS]:
            job_card(job, key=f"job-{job.id}", what=_title(job), body=_loss, dismiss=True)
        if len(mine) > SHOWN_JOBS:
            st.caption(f"{len(mine) - SHOWN_JOBS} older trainings not shown; dismiss some to see them.")
    others = len([job for job in list_jobs(store, active=True) if job.owner != owner])
    if others:
        st.subheader("Other trainings running on this server")
        st.caption(f"{others} training{'s' if others > 1 else ''} of other sessions (not shown: they are "
                   "theirs until saved to the store); yours may take longer meanwhile.")


def _title(job) -> str:
    spec = job.spec()
    parameters = spec.get("parameters", {})
    corpus = spec.get("corpus", {}).get("title") or "files"
    return (f"**{md_escape(spec.get('model', '?'))}** · {md_escape(algorithm_title(parameters))}, "
            f"{md_escape(parameters.get('dim'))} dimensions, {md_escape(parameters.get('epochs'))} epochs · "
            f"corpus: {md_escape(corpus)}")


def _loss(job, done) -> None:
    epochs = job.events(stage="training")
    if epochs:
        st.plotly_chart(loss_figure(epochs, epochs=job.spec().get("parameters", {}).get("epochs", 0), title=None,
                                    height=260), key=f"job-{job.id}-loss")
