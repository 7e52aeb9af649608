"""Corpus: choose or upload a corpus, decide how it is read and tokenised, and look at it.

The choice is kept for the Train page in ``st.session_state["corpus_spec"]``: a CorpusSpec dict
(embedviz.text.specs), or None. It is replaced only when the corpus reads without error, so a
broken choice never reaches the Train page, and it is also remembered on disk for the session's
owner (``.uploads/<owner>/.corpus.json``), so a reload in the same browser keeps it. Uploads are
saved per owner (embedviz.text.uploads). The sections are in embedviz.ui.corpus_page.
"""

import streamlit as st

from embedviz.text.specs import CorpusSpec
from embedviz.ui import corpus_page as sections
from embedviz.ui.corpus_widgets import session_owner
from embedviz.ui.navigation import within_app
from embedviz.ui.text import md_escape

within_app()  # a first request straight to this page still goes through app.py

st.title("Corpus")
st.caption("The text the vectors will learn from. Pick a bundled corpus or upload your own, choose how it "
           "is read and cut into words, and check the result before training.")
source, base, stored = sections.choose_source(session_owner())

reading, tokenising = st.columns(2)
with reading:
    encoding, text_column, label_columns = sections.reading_options(base, stored)
with tokenising:
    tokenizer, phrases = sections.tokenising_options(stored)
spec = CorpusSpec(paths=base.paths, text_column=text_column, label_columns=label_columns,
                  tokenizer=tokenizer.to_dict(), phrases=phrases, encoding=encoding, source=source,
                  title=base.title)

sections.preview(spec, base.title)
sections.statistics(spec, base.title)
st.success(f"The Train page will use **{md_escape(base.title)}** read this way.")
st.page_link("pages/train.py", label="Train on this corpus", icon=":material/model_training:")
