"""Train: train word vectors on the chosen corpus in a background job, and watch it learn.

The corpus is the Corpus page's choice (``st.session_state["corpus_spec"]``, or the owner's choice
remembered on disk), else the bundled demo corpora. "Start training" starts a job (embedviz.jobs.registry):
its own OS process, so a page switch, a reload or a closed tab never stops it. A fragment re-reads
the job folders every second while a job is active, without blocking the page.

Who sees which job. Every job records its owner, this browser session's id
(embedviz.ui.corpus_widgets.session_owner). The page shows:

- the owner's own jobs: running ones with live progress, loss curve and a Cancel button; finished
  ones with their outcome (done, failed, cancelled, interrupted: one line each) until dismissed.
  When a job of the owner is done, its model is selected in the sidebar once.
- how many trainings of other sessions are running, and nothing else about them (no model name,
  no corpus, no Cancel): a user knows why the machine is busy, and another user's work stays
  theirs until its model is saved to the shared store. (A name another session is training is
  refused as taken, as a name in the store is.)

The owner id is derived from Streamlit's XSRF cookie where there is one (a served app), so after a
reload in the same browser the user sees their jobs again. Where there is none it is random per
session: after a reload the user's running job appears under "other running jobs", and its model
appears in the store when it is done.
"""

import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.jobs.kinds import start_training
from embedviz.jobs.registry import list_jobs
from embedviz.core.settings import setting
from embedviz.vectors.store import check_name
from embedviz.training.gensim import TrainingParameters, default_workers
from embedviz.ui.cache import store
from embedviz.ui.corpus_widgets import ALGORITHMS, chosen_spec, job_panel, session_owner
from embedviz.ui.sidebar import select_model
from embedviz.text.specs import CorpusSpec, default_spec
from embedviz.ui.navigation import within_app
from embedviz.ui.text import md_code, md_error, md_escape

within_app()  # a first request straight to this page still goes through app.py

KEEP = dict(persist_state="session")
#: Word vectors trained with PyTorch (embedviz.training.sgns); the classifier is trained on the Improve page.
TORCH_ALGORITHMS = {"PyTorch skip-gram (SGNS)": "torch-sgns"}
SHOWN_JOBS = 5

st.title("Train")
owner = session_owner()
models = store()

# -- the corpus ----------------------------------------------------------------------------------------
chosen = chosen_spec()
spec = CorpusSpec.from_dict(chosen) if chosen else default_spec()
with st.container(border=True):
    tokenizer = spec.tokenizer_options()
    # Column names and file names come from the user's files: code spans and escaped text.
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
    st.markdown(f"**Corpus:** {md_escape(spec.title or ', '.join(spec.paths))}"
                + ("" if chosen else " (the default)")
                + "  \n" + "; ".join(how))
    st.page_link("pages/corpus.py", label="Choose or upload another corpus", icon=":material/description:")

# -- the hyperparameters -------------------------------------------------------------------------------
defaults = TrainingParameters()
algorithm = st.selectbox(
    "Algorithm", [*ALGORITHMS, *TORCH_ALGORITHMS], key="train_algorithm", **KEEP,
    help="Word2Vec learns one vector per word. CBOW predicts a word from its context (fast, good for "
         "frequent words); skip-gram predicts the context from the word (slower, better for rare "
         "words). FastText also learns vectors of character n-grams, so it can build a vector for "
         "any word, even one it never saw. PyTorch skip-gram is word2vec's skip-gram written out "
         "in PyTorch (slower; it shows an embedding layer learning).")
algo, sg = ALGORITHMS.get(algorithm) or (TORCH_ALGORITHMS[algorithm], True)
cells = st.columns(4)
dim = cells[0].number_input("Dimensions", 2, setting("EMBEDVIZ_MAX_DIMENSIONS"), defaults.dim,
                            key="train_dim", **KEEP,
                            help="Length of each word vector. 100-300 is usual; more needs more text.")
window = cells[1].number_input("Window", 1, 100, defaults.window, key="train_window", **KEEP,
                               help="How many words on each side count as context. Small windows "
                                    "favour syntax, large ones topics.")
min_count = cells[2].number_input("Min count", 1, 10**9, defaults.min_count, key="train_min_count", **KEEP,
                                  help="Words rarer than this get no vector (see the Zipf plot on the "
                                       "Corpus page).")
epochs = cells[3].number_input("Epochs", 1, 1000, defaults.epochs, key="train_epochs", **KEEP,
                               help="Passes over the corpus. More helps a small corpus.")
with st.expander("More hyperparameters"):
    cells = st.columns(4)
    negative = cells[0].number_input("Negative samples", 0, 100, defaults.negative, key="train_negative",
                                     **KEEP, help="Noise words per example (negative sampling); 0 uses "
                                                  "hierarchical softmax instead. 5-20 is usual.")
    sample = cells[1].number_input("Downsampling", 0.0, 0.999, defaults.sample, step=1e-4, format="%.5f",
                                   key="train_sample", **KEEP,
                                   help="Threshold for randomly skipping very frequent words (gensim "
                                        "`sample`); 0 keeps every word.")
    alpha = cells[2].number_input("Learning rate", 0.0001, 1.0, defaults.alpha, step=0.005, format="%.4f",
                                  key="train_alpha", **KEEP,
                                  help="Initial learning rate; it falls linearly to the final rate.")
    min_alpha = cells[3].number_input("Final learning rate", 0.0, 1.0, defaults.min_alpha, step=0.0001,
                                      format="%.5f", key="train_min_alpha", **KEEP)
    cells = st.columns(4)
    seed = cells[0].number_input("Seed", 0, 2**31 - 1, defaults.seed, key="train_seed", **KEEP,
                                 help="Random seed. With one worker thread, the same seed gives the "
                                      "same vectors every time.")
    workers = cells[1].number_input("Worker threads", 1, 64, default_workers(), key="train_workers", **KEEP,
                                    help="Threads gensim trains with; more than the machine's cores "
                                         "does not help.")
    if algo == "fasttext":
        min_n = cells[2].number_input("Shortest n-gram", 1, 20, defaults.min_n, key="train_min_n", **KEEP,
                                      help="Character n-grams from this length...")
        max_n = cells[3].number_input("Longest n-gram", 1, 20, defaults.max_n, key="train_max_n", **KEEP,
                                      help="...to this length make up a FastText word vector.")
        bucket = st.number_input("N-gram buckets", 1000, 10_000_000, defaults.bucket, step=10_000,
                                 key="train_bucket", **KEEP,
                                 help="Hash buckets for n-gram vectors: memory is buckets x dimensions "
                                      "x 4 bytes (200,000 x 100 = 80 MB).")
    else:
        min_n, max_n, bucket = defaults.min_n, defaults.max_n, defaults.bucket

# -- the model name -------------------------------------------------------------------------------------
active = list_jobs(models, active=True)
busy_names = {job.model for job in active}
short = {"Word2Vec CBOW": "cbow", "Word2Vec skip-gram": "skipgram", "FastText CBOW": "fasttext",
         "FastText skip-gram": "fasttext-sg", "PyTorch skip-gram (SGNS)": "sgns"}[algorithm]
base_name = f"{spec.stem()}-{short}"
suggested, number = base_name, 2
while models.exists(suggested) or suggested in busy_names:
    suggested, number = f"{base_name}-{number}", number + 1
# Follow the suggestion until the user types a name of their own (and again after a start).
if st.session_state.pop("train_name_used", False) or \
        st.session_state.get("train_model_name") in (None, "", st.session_state.get("train_suggested")):
    st.session_state["train_model_name"] = suggested
st.session_state["train_suggested"] = suggested
name = st.text_input("Model name", key="train_model_name", **KEEP,
                     help="1-64 letters, digits, '_', '.' or '-'; the model is saved in the store "
                          "under this name.").strip()
problem = None
try:
    check_name(name)
    if models.exists(name):
        problem = (f"a model named {name!r} already exists; choose another name or delete it on the "
                   "Models page")
    elif name in busy_names:
        problem = f"a training of a model named {name!r} is already running; choose another name"
except EmbedvizError as exc:
    problem = str(exc)
if problem:
    st.error(md_error(problem))  # it quotes the typed name

mine_active = [job for job in active if job.owner == owner and job.spec().get("kind") == "train"]
if mine_active:
    st.caption("One training at a time per session: wait for the running one or cancel it.")
if st.button("Start training", type="primary", disabled=bool(problem or mine_active)):
    common = dict(dim=int(dim), window=int(window), min_count=int(min_count), epochs=int(epochs),
                  negative=int(negative), sample=float(sample), alpha=float(alpha), min_alpha=float(min_alpha),
                  seed=int(seed))
    try:
        if algo in TORCH_ALGORITHMS.values():
            start_training(models, spec, common, name, owner, algo=algo)
        else:
            start_training(models, spec, TrainingParameters(algo=algo, sg=sg, workers=int(workers), bucket=int(bucket),
                                                            min_n=int(min_n), max_n=int(max_n), **common),
                           name, owner)
    except EmbedvizError as exc:
        st.error(md_error(exc))
    else:
        st.session_state["train_name_used"] = True
        st.rerun()


# -- the jobs --------------------------------------------------------------------------------------------
def jobs_section():
    mine = [job for job in list_jobs(models, owner=owner) if job.spec().get("kind") == "train"]
    seen = st.session_state.setdefault("train_seen_jobs", set())  # in case the folder is read-only
    ended = [job for job in mine if job.id not in seen and not job.seen and job.status().finished]
    if ended:
        # A training of this session ended: select its model once (the newest, if several), then
        # redraw the whole app, since the sidebar and the Start button were drawn already.
        for job in ended:
            job.mark_seen()
            seen.add(job.id)
        done = [job for job in ended if job.status().state == "done" and models.exists(job.model)]
        if done:
            select_model(done[0].model)
        st.rerun()
    if mine:
        st.subheader("Your trainings")
        for job in mine[:SHOWN_JOBS]:
            job_panel(job, key=f"job-{job.id}")
        if len(mine) > SHOWN_JOBS:
            st.caption(f"{len(mine) - SHOWN_JOBS} older trainings not shown; dismiss some to see them.")
    running = list_jobs(models, active=True)
    mine_running = [job for job in running if job.owner == owner]
    others = len(running) - len(mine_running)
    if others:
        st.subheader("Other trainings running on this server")
        st.caption(f"{others} training{'s' if others > 1 else ''} of other sessions (not shown: they are "
                   "theirs until saved to the store); yours may take longer meanwhile.")
    if polling and not mine_running:
        st.rerun()  # nothing of ours left to watch: one full run stops the polling


# Only this session's jobs are watched (other sessions' are not shown; the count above is redrawn
# with the page).
polling = any(job.owner == owner for job in list_jobs(models, active=True))
st.fragment(jobs_section, run_every=1.0 if polling else None)()
