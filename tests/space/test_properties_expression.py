"""Properties of the analogy expression parser and solver (Hypothesis).

- Any text at all: the parser returns terms or raises ExpressionError, nothing else, and fast.
- A generated valid expression (vocabulary words, + and -, optional weights in front or behind)
  parses back to exactly the terms and weights it was written from.
- solve() never answers with a word of the question (unless asked to keep them), and its answers are
  gensim's ``most_similar`` / ``most_similar_cosmul`` for the same positive and negative words.
"""

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedviz.space.analogy import MAX_EXPRESSION_LENGTH, Term, parse_expression, solve
from embedviz.core.errors import ExpressionError

# Function-scoped fixtures (demo_vectors is session-scoped and read-only) are fine across examples.
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
#: The most a parse may take: the parser is linear in the input, which is at most 1,000 characters.
PARSE_SECONDS = 0.5
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")

# Text that is mostly the grammar's own characters, so that near-misses are common.
grammar_text = st.lists(st.sampled_from(list("+-*. 0123456789\t\nkingqueman") + ["1e9", "nan", "**", "\x1c"]),
                       max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=300), grammar_text,
                     st.text(min_size=MAX_EXPRESSION_LENGTH - 5, max_size=MAX_EXPRESSION_LENGTH + 5))


@settings(max_examples=300, **SETTINGS)
@given(text=any_text)
def test_any_text_parses_or_is_refused_with_an_expression_error(text):
    started = time.perf_counter()
    try:
        terms = parse_expression(text)
    except ExpressionError as error:
        assert "\n" not in str(error)
    else:
        assert terms and all(isinstance(t, Term) and t.word for t in terms)
        assert all(not any(c.isspace() or c in "+-*" for c in t.word) for t in terms)
    assert time.perf_counter() - started < PARSE_SECONDS


@pytest.fixture(scope="module")
def words(demo_vectors):
    """Vocabulary words an expression can spell: the parser reads a lone number as a word, but
    ``2*1984`` would read 1984 as a weight, so number-like words are left out."""
    return [w for w in demo_vectors.words[:3000] if not _NUMBER.fullmatch(w)]


weights = st.one_of(st.none(), st.builds(lambda whole, part: f"{whole}.{part}" if part else str(whole),
                                         st.integers(0, 999), st.one_of(st.none(), st.integers(0, 99))))


@st.composite
def written_expressions(draw, vocabulary):
    """(text, expected terms): distinct words, each with a sign, an optional weight written in front
    (``2*king``) or behind (``king*2``), and random spacing around the operators."""
    chosen = draw(st.lists(st.sampled_from(vocabulary), min_size=1, max_size=8, unique=True))
    space = st.sampled_from(["", " ", "  ", "\t"])
    text, expected = "", []
    for position, word in enumerate(chosen):
        sign = draw(st.sampled_from(["+", "-"] if position else ["", "+", "-"]))
        weight = draw(weights)
        if weight is None:
            term = word
        elif draw(st.booleans()):
            term = f"{weight}{draw(space)}*{draw(space)}{word}"
        else:
            term = f"{word}{draw(space)}*{draw(space)}{weight}"
        text += f"{draw(space)}{sign}{draw(space)}{term}"
        expected.append(Term(word, (-1.0 if sign == "-" else 1.0) * (1.0 if weight is None else float(weight))))
    return text, expected


@settings(max_examples=200, **SETTINGS)
@given(data=st.data())
def test_written_expressions_parse_back_to_their_terms(words, data):
    text, expected = data.draw(written_expressions(words))
    assert parse_expression(text) == expected


questions = st.tuples(st.integers(1, 3), st.integers(0, 2), st.randoms(use_true_random=False))


def _question(vocabulary, sizes):
    positives, negatives, chooser = sizes
    picked = chooser.sample(vocabulary[:2000], positives + negatives)
    return picked[:positives], picked[positives:]


@settings(max_examples=25, **SETTINGS)
@given(sizes=questions)
def test_answers_leave_out_the_question_and_equal_gensim(demo_vectors, demo_keyed_vectors, words, sizes):
    positive, negative = _question(words, sizes)
    terms = [Term(w, 1.0) for w in positive] + [Term(w, -1.0) for w in negative]
    inputs = set(positive) | set(negative)

    added = solve(demo_vectors, terms, k=5, method="add")
    assert not inputs & {a.word for a in added.answers}
    expected = demo_keyed_vectors.most_similar(positive=positive, negative=negative, topn=5)
    assert [a.word for a in added.answers] == [w for w, _ in expected]
    assert [a.score for a in added.answers] == pytest.approx([s for _, s in expected], abs=1e-5)

    multiplied = solve(demo_vectors, terms, k=5, method="mul")
    assert not inputs & {a.word for a in multiplied.answers}
    expected = demo_keyed_vectors.most_similar_cosmul(positive=positive, negative=negative, topn=5)
    assert [a.word for a in multiplied.answers] == [w for w, _ in expected]

    kept = solve(demo_vectors, terms, k=len(inputs) + 5, method="add", keep_inputs=True)
    assert len(kept.answers) == len(inputs) + 5
