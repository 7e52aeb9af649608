"""The Corpus page's sections: where the corpus comes from, how it is read and tokenised, a preview,
and its statistics. Each returns what the next needs; the page (pages/corpus.py) calls them in
order. The choice reaches the Train page only once it reads without error (:func:`statistics`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.core.settings import setting
from embedviz.figures.training import zipf_figure
from embedviz.text.specs import BUNDLED, CorpusSpec, bundled_spec
from embedviz.text.tokenizer import TokenizerOptions, split_sentences, tokenize
from embedviz.text.uploads import UPLOAD_TYPES, delete_upload, list_uploads, save_upload, upload_spec
from embedviz.ui.corpus_widgets import (choose_spec, chosen_spec, corpus_columns, corpus_statistics,
                                        first_documents, forget_spec, phrase_tokens)
from embedviz.ui.text import md_error, md_escape

#: Above this size the statistics count the first SAMPLE_DOCUMENTS documents unless asked for all.
LARGE_BYTES = 50 * 1024 * 1024
SAMPLE_DOCUMENTS = 50_000
KEEP = dict(persist_state="session")  # widget values survive a switch to another page and back


def init(key, value, valid=lambda v: True):
    """Give widget ``key`` its starting value unless it already holds a valid one."""
    if key not in st.session_state or not valid(st.session_state[key]):
        st.session_state[key] = value


def stop_with(message) -> None:
    st.error(md_error(message))  # messages quote file names, columns and lines of the upload
    st.stop()


def source_title(source: str) -> str:
    kind, _, ident = source.partition(":")
    if kind == "bundled":
        return f"{BUNDLED[ident].title} (bundled)"
    return f"{md_escape(ident)} (your upload)"


def choose_source(owner: str) -> tuple[str, CorpusSpec, dict | None]:
    """The upload widget and the choice of corpus: (source, its base spec, the stored choice)."""
    uploaded = st.file_uploader(
        "Upload corpus", type=list(UPLOAD_TYPES), key="corpus_upload",
        max_upload_size=max(1, setting("EMBEDVIZ_MAX_UPLOAD_MB")),
        help="Plain text (.txt: paragraphs separated by blank lines are documents), a .zip of text files, "
             "a table with a header (.csv, .tsv) or .jsonl (one JSON object per line); each may be "
             "gzip-compressed (.gz). Uploads are kept for this browser session only.")
    if uploaded is not None and st.session_state.get("corpus_saved_upload") != uploaded.file_id:
        try:
            saved = save_upload(owner, uploaded.name, uploaded.getvalue())
        except EmbedvizError as exc:
            st.error(md_error(exc))
        else:
            st.session_state["corpus_saved_upload"] = uploaded.file_id
            st.session_state["corpus_source"] = f"upload:{saved.name}"
    choices = [f"bundled:{key}" for key in BUNDLED] + [f"upload:{p.name}" for p in list_uploads(owner)]
    stored = chosen_spec()
    init("corpus_source", stored["source"] if stored and stored.get("source") in choices else "bundled:demo",
         valid=lambda v: v in choices)
    source = st.radio("Corpus", choices, key="corpus_source", format_func=source_title, **KEEP,
                      help="The bundled corpora are public-domain texts shipped with embedviz "
                           "(see data/README.md); your uploads are listed after them.")
    kind, _, ident = source.partition(":")
    try:
        base = bundled_spec(ident) if kind == "bundled" else upload_spec(owner, ident)
    except EmbedvizError as exc:
        stop_with(exc)
    if kind == "bundled":
        st.caption(BUNDLED[ident].description)
    elif st.button("Remove this upload", help="Delete the uploaded file from the server."):
        delete_upload(owner, ident)
        if stored and stored.get("source") == source:
            forget_spec()
        st.rerun()
    # A new source starts from its own columns and sample text.
    if st.session_state.get("corpus_options_for") != source:
        st.session_state["corpus_options_for"] = source
        for key in ("corpus_text_column", "corpus_label_columns", "corpus_sample"):
            st.session_state.pop(key, None)
        if stored and stored.get("source") == source:  # coming back to the stored choice: restore it
            st.session_state["corpus_text_column"] = stored.get("text_column")
            st.session_state["corpus_label_columns"] = list(stored.get("label_columns", []))
    return source, base, stored


def reading_options(base: CorpusSpec, stored: dict | None) -> tuple[str, str | None, list[str]]:
    """Encoding, text column and label columns: (encoding, text_column, label_columns)."""
    st.subheader("Reading")
    init("corpus_encoding", stored.get("encoding", "utf-8") if stored else "utf-8")
    encoding = st.text_input("Encoding", key="corpus_encoding", **KEEP,
                             help="The files' text encoding. UTF-8 by default (a byte-order mark is "
                                  "skipped); others: latin-1, cp1252, utf-16...").strip() or "utf-8"
    try:
        columns = corpus_columns(CorpusSpec(paths=base.paths, encoding=encoding))
    except EmbedvizError as exc:
        stop_with(exc)
    if not columns:
        st.caption("Plain text: paragraphs separated by blank lines are documents.")
        return encoding, None, []
    default_text = base.text_column if base.text_column in columns else ("text" if "text" in columns else columns[0])
    init("corpus_text_column", default_text, valid=lambda v: v in columns)
    text_column = st.selectbox("Text column", columns, key="corpus_text_column", **KEEP,
                               help="The column (or JSON field) that holds the text to learn from.")
    label_options = [c for c in columns if c != text_column]
    init("corpus_label_columns", [c for c in base.label_columns if c in label_options])
    st.session_state["corpus_label_columns"] = [c for c in st.session_state["corpus_label_columns"]
                                                if c in label_options]
    label_columns = st.multiselect("Label columns", label_options, key="corpus_label_columns", **KEEP,
                                   help="Columns kept as labels of each document (e.g. a book or a genre): "
                                        "shown in the preview and counted below.")
    return encoding, text_column, label_columns


def tokenising_options(stored: dict | None) -> tuple[TokenizerOptions, bool]:
    """The tokeniser's options and whether phrases are joined."""
    st.subheader("Tokenisation")
    options = (stored or {}).get("tokenizer", {})
    defaults = TokenizerOptions(**options).to_dict() if options else TokenizerOptions().to_dict()
    for name in ("lowercase", "deaccent", "numbers", "min_len", "max_len"):
        init(f"corpus_{name}", defaults[name])
    init("corpus_phrases", bool(stored and stored.get("phrases")))
    left, right = st.columns(2)
    lowercase = left.checkbox("Lowercase", key="corpus_lowercase", **KEEP,
                              help="Fold case, so 'The' and 'the' are one word.")
    deaccent = left.checkbox("Strip accents", key="corpus_deaccent", **KEEP, help="'café' becomes 'cafe'.")
    numbers = left.checkbox("Keep numbers", key="corpus_numbers", **KEEP,
                            help="Keep tokens with digits ('1611', 'mp3'); by default only letters.")
    min_len = right.number_input("Shortest token", 1, 100, key="corpus_min_len", **KEEP,
                                 help="Tokens shorter than this many characters are dropped.")
    max_len = right.number_input("Longest token", 1, 1000, key="corpus_max_len", **KEEP,
                                 help="Tokens longer than this many characters are dropped.")
    phrases = right.checkbox("Join phrases", key="corpus_phrases", **KEEP,
                             help="Join word pairs that occur together often into one token "
                                  "('new_york'), learned from the whole corpus (gensim Phrases).")
    st.caption("The defaults are gensim's simple_preprocess, as most word2vec tutorials use.")
    try:
        return TokenizerOptions(lowercase=lowercase, deaccent=deaccent, numbers=numbers, min_len=int(min_len),
                                max_len=int(max_len)), phrases
    except EmbedvizError as exc:
        stop_with(exc)


def preview(spec: CorpusSpec, title: str) -> None:
    """How a sample is tokenised, and the first documents."""
    try:
        documents = first_documents(spec, 20)
    except EmbedvizError as exc:
        stop_with(exc)
    if not documents:
        stop_with(f"{title} holds no documents")
    st.subheader("Tokenisation preview")
    # A sample that shows something: the first document of a few words (not a title line).
    texts = [d["text"] for d in documents if d["text"].strip()]
    first_text = next((t for t in texts if len(t.split()) >= 8), texts[0] if texts else "")
    init("corpus_sample", " ".join(split_sentences(first_text)[:2])[:500])
    sample = st.text_area("Sample text", key="corpus_sample", height=90, **KEEP,
                          help="Edit it to see how any text is cut into tokens with the options above.")
    tokenizer = spec.tokenizer_options()
    sentences = [tokenize(sentence, tokenizer) for sentence in split_sentences(sample)]
    if spec.phrases:
        with st.spinner("Learning phrases from the corpus..."):
            try:
                sentences = [phrase_tokens(spec, tokens) for tokens in sentences]
            except EmbedvizError as exc:
                stop_with(exc)
    sentences = [tokens for tokens in sentences if tokens]
    st.code("\n".join(" | ".join(tokens) for tokens in sentences) or "(no tokens)", language=None,
            wrap_lines=True)
    st.caption(f"{sum(map(len, sentences))} tokens in {len(sentences)} sentence(s); a sentence ends at . ! or ?")
    st.subheader("First documents")
    frame = pd.DataFrame(documents)
    frame["text"] = frame["text"].str.slice(0, 300)
    st.dataframe(frame[[*spec.label_columns, "text"]], hide_index=True, height=260)


def statistics(spec: CorpusSpec, title: str) -> None:
    """Counts, frequent words, the Zipf plot and labels; the spec becomes the session's choice once
    it is read whole without error and holds words."""
    st.subheader("Statistics")
    max_documents = None
    size = spec.size()
    if size > LARGE_BYTES:
        whole = st.toggle(f"Count the whole corpus ({size / 2**20:,.0f} MB on disk; this can take minutes)",
                          key="corpus_whole", **KEEP)
        max_documents = None if whole else SAMPLE_DOCUMENTS
    try:
        with st.spinner("Counting words..."):
            found = corpus_statistics(spec, max_documents)
    except EmbedvizError as exc:
        stop_with(exc)
    if found.tokens == 0:
        where = f"the column {spec.text_column!r}" if spec.text_column else title
        stop_with(f"{where} holds no words after tokenisation: choose the column with the text, "
                  "or keep numbers / lower the shortest token length")
    choose_spec(spec)
    if max_documents is not None and found.documents >= max_documents:
        st.caption(f"Counted over the first {max_documents:,} documents only.")
    cells = st.columns(4)
    for cell, (label, value) in zip(cells, (("Documents", found.documents), ("Sentences", found.sentences),
                                            ("Tokens", found.tokens), ("Vocabulary", found.vocabulary))):
        cell.metric(label, f"{value:,}", help="Distinct tokens." if label == "Vocabulary" else None)
    words, zipf = st.columns([2, 3])
    with words:
        top = pd.DataFrame(found.most_common, columns=["word", "count"])
        top["share"] = top["count"] / found.tokens
        st.markdown("**Most frequent words**")
        st.dataframe(top, hide_index=True, height=420, column_config={
            "count": st.column_config.NumberColumn(format="localized"),
            "share": st.column_config.ProgressColumn("share of tokens", format="percent",
                                                     min_value=0.0, max_value=float(top["share"].max() or 1))})
    with zipf:
        st.plotly_chart(zipf_figure(found.frequencies), key="corpus_zipf")
        st.caption("Word counts fall roughly as 1/rank (Zipf's law): a few words are everywhere, most are rare. "
                   "Words rarer than the training min_count get no vector.")
    if found.labels:
        st.markdown("**Labels**")
        for column, cell in zip(found.labels, st.columns(len(found.labels))):
            counts = pd.DataFrame(list(found.labels[column].items()), columns=[column, "documents"])
            cell.dataframe(counts, hide_index=True, height=240)
