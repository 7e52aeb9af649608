"""Embeddings explained: one sentence as word indices, as one-hot vectors and as dense vectors.

The vocabulary and the vectors are the active model's (the sidebar); the computing is in
embedviz.figures.explain.
"""

import streamlit as st

from embedviz.figures.explain import STEPS, embedding_figure, encode_sentence, human_bytes, one_hot_figure
from embedviz.ui.cache import load_vectors, store
from embedviz.ui.corpus_widgets import sample_sentence
from embedviz.ui.sidebar import require_model
from embedviz.ui.navigation import within_app
from embedviz.ui.text import md_code, md_escape

within_app()  # a first request straight to this page still goes through app.py

DEMO_SENTENCE = "The king spoke to his people in the city"
SHOWN_ONE_HOT = 8

st.title("Embeddings explained")
name = require_model("Choose or train a model first: its vocabulary and vectors are what this page shows.")
vectors = load_vectors(name)

tokenizer, default = sample_sentence(DEMO_SENTENCE)
sentence = st.text_input("A sentence", value=default, key="embeddings_sentence",
                         help="Any sentence; it is tokenised like the corpus and looked up in the "
                              f"vocabulary of the model {md_escape(repr(name))}.")
encoding = encode_sentence(vectors, sentence, tokenizer)
st.caption(f"Model **{md_escape(name)}**: a vocabulary of {encoding.vocabulary_size:,} words, "
           f"{encoding.dim} dimensions ({md_escape(store().meta(name).get('trainer', 'unknown'))}).")
if not encoding.tokens:
    st.warning("This sentence holds no words: type another one.")
    st.stop()
if encoding.unknown:
    st.caption("Not in the vocabulary (a real model maps these to one 'unknown' slot): "
               + ", ".join(md_code(w) for w in encoding.unknown))

st.subheader("1. Word indices")
st.markdown(STEPS["index"])
st.dataframe([{"word": t, "index": ("unknown" if i is None else f"{i:,}")}
              for t, i in zip(encoding.tokens, encoding.indices)], hide_index=True)
st.code(str([i for i in encoding.indices if i is not None]), language=None)

if not encoding.known:
    st.warning("None of these words is in the model's vocabulary, so there is nothing more to show.")
    st.stop()
memory = encoding.memory()

st.subheader("2. One-hot vectors")
st.markdown(STEPS["one_hot"])
cells = st.columns(3)
cells[0].metric("One-hot length (vocabulary size)", f"{encoding.one_hot_size:,}")
cells[1].metric("Zeros in each one-hot vector", f"{encoding.sparsity:.4%}")
cells[2].metric("Memory of the sentence, one-hot", human_bytes(memory["one_hot"]))
st.caption(f"The first {min(SHOWN_ONE_HOT, len(encoding.known))} words, drawn to scale: grey is "
           f"{encoding.one_hot_size - 1:,} zeros, the red tick is the single 1.")
st.plotly_chart(one_hot_figure(encoding, SHOWN_ONE_HOT), key="embeddings_one_hot")

st.subheader("3. Dense embedding vectors")
st.markdown(STEPS["dense"])
cells = st.columns(3)
cells[0].metric("Dense length (dimensions)", f"{encoding.dim:,}")
cells[1].metric("Memory of the sentence, dense", human_bytes(memory["dense"]))
cells[2].metric("Dense vs one-hot", f"{memory['one_hot'] / max(1, memory['dense']):,.0f}x smaller")
st.plotly_chart(embedding_figure(encoding), key="embeddings_dense")
