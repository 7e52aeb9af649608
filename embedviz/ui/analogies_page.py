"""The Analogies page's sections: examples, the expression form, the answer with its picture, and
"which word doesn't match"."""

from __future__ import annotations

import streamlit as st

from embedviz.core.errors import EmbedvizError, UnknownWordError
from embedviz.core.params import Flag, OneOf, Whole
from embedviz.figures.analogy import analogy_figure, describe, parallelogram
from embedviz.space.analogy import MAX_EXPRESSION_LENGTH, is_known, replace_word, solve, split_words
from embedviz.space.neighbours import doesnt_match
from embedviz.ui.text import md_error, md_escape
from embedviz.ui.url_state import check_link
from embedviz.ui.word_panel import corpus_lines

# Tried on the demo model: each gives the expected word first with 3CosAdd (examples whose words a
# model does not know are not offered).
EXAMPLES = ["king - man + woman", "father - son + daughter", "son - man + woman", "men - man + woman",
            "he - his + her", "went - go + come"]
METHODS = {"add": "3CosAdd", "mul": "3CosMul"}
EXPRESSION = "analogy_expression"   # also set by embedviz.ui.word_panel ("use in an analogy")


def _use(expression: str) -> None:
    st.session_state[EXPRESSION] = expression


def _replace(word: str, suggestion: str) -> None:
    st.session_state[EXPRESSION] = replace_word(st.session_state[EXPRESSION], word, suggestion)


def examples(vectors) -> None:
    """A row of example buttons (those the model knows every word of) that fill the expression."""
    st.session_state.setdefault(EXPRESSION, EXAMPLES[0])
    known = [e for e in EXAMPLES if is_known(vectors, e)]
    if known:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.caption("Try:", width="content")
            for example in known:
                st.button(example, key=f"example_{example}", on_click=_use, args=(example,), type="tertiary")


def expression_form() -> dict:
    """The expression and the method, number of answers and keep-inputs choices."""
    check_link("analogies", {"analogy_method": OneOf(tuple(METHODS.values())), "analogy_k": Whole(1, 100),
                             "analogy_keep_inputs": Flag()})
    expression = st.text_input("Expression", key=EXPRESSION, bind="query-params", placeholder="king - man + woman",
                               max_chars=MAX_EXPRESSION_LENGTH)
    left, middle, right = st.columns(3)
    method = left.radio("Method", list(METHODS), format_func=METHODS.get, horizontal=True, key="analogy_method", bind="query-params",
                        help="3CosAdd: the words nearest by cosine to the sum of the unit vectors (gensim's "
                             "most_similar). 3CosMul: the product of the cosines with the positive words over "
                             "those with the negative words (Levy & Goldberg 2014; gensim's most_similar_cosmul).")
    k = middle.number_input("Answers", min_value=1, max_value=100, value=10, key="analogy_k", bind="query-params")
    keep_inputs = right.toggle("Keep the input words", key="analogy_keep_inputs", bind="query-params",
                               help="Usually the input words are left out of the answers: king is often "
                                    "nearer to king - man + woman than queen is.")
    return {"expression": expression, "method": method, "k": int(k), "keep_inputs": keep_inputs}


def solved(vectors, form: dict):
    """The analogy, or None with the error shown (an unknown word with buttons that replace it)."""
    try:
        return solve(vectors, form["expression"], k=form["k"], method=form["method"],
                     keep_inputs=form["keep_inputs"])
    except UnknownWordError as exc:
        st.error(md_error(exc))
        if exc.suggestions:
            with st.container(horizontal=True, vertical_alignment="center"):
                st.caption(f"Replace {md_escape(repr(exc.word))} with:", width="content")
                for suggestion in exc.suggestions:
                    st.button(md_escape(suggestion), key=f"suggestion_{suggestion}", on_click=_replace,
                              args=(exc.word, suggestion))
    except EmbedvizError as exc:
        st.error(md_error(exc))
    return None


def answer(vectors, analogy, method: str, name: str | None = None) -> None:
    """The answers as a table beside the analogy's picture; below, the corpus behind the answer."""
    results, picture = st.columns([2, 3])
    with results:
        st.metric("Answer", md_escape(analogy.answer) if analogy.answer else "none")
        score = "cosine similarity" if method == "add" else "3CosMul score (cosines shifted to [0, 1])"
        st.dataframe({"word": [a.word for a in analogy.answers],
                      "score": [round(a.score, 4) for a in analogy.answers]},
                     hide_index=True, width="stretch")
        st.caption(f"Scores: {score}.")
    with picture:
        st.plotly_chart(analogy_figure(vectors, analogy), key="analogy_figure", width="stretch")
        explained = ("PCA fitted on just these words (the inputs, the answer and a few neighbours of each), "
                     "so the axes are the directions in which they differ most.")
        if parallelogram(analogy) is None:
            st.caption(f"{md_escape(describe(analogy))}: the words, the answer and their neighbours. {explained}")
        else:
            st.caption(f"{explained} The open circle is where *a - b + c* itself lands, the fourth corner of "
                       "the parallelogram; the answer is the word whose direction is nearest to it in the full "
                       "space, which the picture can only approximate.")
    if name is not None and analogy.answer:
        with st.expander(f"Why {analogy.answer}? The corpus behind the answer", expanded=False):
            corpus_lines(name, analogy.answer, [t.word for t in analogy.terms if t.weight > 0]
                         + [a.word for a in analogy.answers[1:]], key="analogy_kwic")


def odd_one_out(vectors) -> None:
    st.subheader("Which word doesn't match?")
    st.session_state.setdefault("doesnt_match_words", "king, queen, prince, bread")
    text = st.text_input("Words", key="doesnt_match_words", max_chars=MAX_EXPRESSION_LENGTH,
                         help="Two or more words, separated by commas or spaces.")
    try:
        odd = doesnt_match(vectors, split_words(text))
        st.success(f"**{md_escape(odd)}** doesn't match: it is the least similar to the mean of the words.")
    except EmbedvizError as exc:
        st.error(md_error(exc))
