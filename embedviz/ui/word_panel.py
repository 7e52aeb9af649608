"""A word's panel and the corpus behind it, shared by Explore (a clicked or searched word), Analogies
(the answer) and Compare (a chosen word): its count, its lines in the training corpus with the word
in context, the contexts it shares with a neighbour (why the model put them close), and "use in an
analogy"."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.ui.explain_cache import concordance_of
from embedviz.ui.text import md_error, md_escape

#: The Analogies page's expression widget (embedviz.ui.analogies_page.EXPRESSION: that module
#: imports this one, so the key is repeated here rather than imported back).
EXPRESSION = "analogy_expression"
LINES = 12


def _use_in_analogy(word: str) -> None:
    st.session_state[EXPRESSION] = f"{word} - man + woman" if word not in ("man", "woman") else word


def corpus_lines(name: str, word: str, others=(), key: str = "kwic") -> None:
    """Lines of the training corpus with ``word``; with one of ``others`` chosen, the contexts the two
    share (ranked by how much both favour them) and the other word's lines."""
    try:
        index = concordance_of(name)
        lines = index.lines(word, LINES)
    except EmbedvizError as exc:
        st.caption(md_error(exc))
        return
    others = [o for o in dict.fromkeys(others) if o != word]
    other = st.selectbox("Why is it close to...", [""] + others, key=f"{key}_with",
                         format_func=lambda o: "(choose a neighbour)" if not o else o,
                         help="The context words both occur beside in the training corpus, within the model's "
                              f"window of {index.window} words: the evidence the model learned from.")
    if other:
        try:
            shared = index.shared(word, other, 15)
        except EmbedvizError as exc:
            st.caption(md_error(exc))
            shared = None
        if shared is not None:
            st.markdown(f"**Contexts {md_escape(word)} and {md_escape(other)} share**")
            if shared:
                st.dataframe(pd.DataFrame([s._asdict() for s in shared]), hide_index=True, width="stretch",
                             column_config={"lift": st.column_config.NumberColumn(
                                 "lift", format="%.1fx", help="the smaller of the two: how many times more "
                                                             "often than chance it occurs beside each word")})
            else:
                st.caption("They share no context word within the window: they are close by other paths "
                           "(words that share contexts with each of them).")
    _lines_table(word, lines, index.count(word))
    if other:
        _lines_table(other, index.lines(other, LINES), index.count(other))


def _lines_table(word: str, lines, count: int) -> None:
    st.markdown(f"**{md_escape(word)} in the corpus** ({count:,} times; {len(lines)} lines spread over it)")
    st.dataframe(pd.DataFrame([line._asdict() for line in lines]), hide_index=True, width="stretch",
                 column_config={"left": st.column_config.TextColumn("left", alignment="right"),
                                "word": st.column_config.TextColumn("word", alignment="center", width="small"),
                                "document": st.column_config.TextColumn("document", width="small")})
    st.caption("The text as the model read it: tokenised (lower case, punctuation and one-letter words "
               "gone, as the tokeniser's options say).")


def word_panel(name: str, vectors, word: str, near, key: str = "panel") -> None:
    """The panel of one word: count and rank, "use in an analogy", and the corpus behind it."""
    st.subheader(md_escape(word))
    i = vectors.index[word]
    cols = st.columns([1, 1, 2])
    cols[0].metric("Count", f"{int(vectors.counts[i]):,}", help="times it occurs in the training corpus")
    cols[1].metric("Rank", f"{i + 1:,}", help="by frequency")
    with cols[2]:
        if st.button("Use in an analogy", key=f"{key}_analogy", on_click=_use_in_analogy, args=(word,),
                     help=f"Open Analogies with {word} - man + woman, to edit"):
            st.switch_page("pages/analogies.py")
        st.caption("Nearest: " + ", ".join(md_escape(n.word) for n in near[:10]))
    corpus_lines(name, word, [n.word for n in near], key=key)
