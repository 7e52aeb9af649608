"""Neighbours, analogies and doesnt_match agree with gensim on the same vectors."""

import numpy as np
import pytest

from embedviz.space.analogy import Term, parse_expression, solve
from embedviz.core.errors import ExpressionError, ParameterError, UnknownWordError
from embedviz.space.neighbours import doesnt_match, neighbours, similarity
from embedviz.vectors.vectors import Vectors

WORDS = ["king", "love", "water", "god", "heaven", "sword", "father", "night"]
ANALOGIES = [
    (["king", "woman"], ["man"]),
    (["daughter", "father"], ["son"]),
    (["paris"], []),
    (["heaven", "night"], ["day"]),
    (["brother", "she"], ["he"]),
]


@pytest.mark.parametrize("word", WORDS)
def test_neighbours_equal_gensim_most_similar(demo_vectors, demo_keyed_vectors, word):
    if word not in demo_vectors:
        pytest.fail(f"{word} should be in the demo vocabulary")
    ours = neighbours(demo_vectors, word, k=10)
    theirs = demo_keyed_vectors.most_similar(word, topn=10)
    assert [n.word for n in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([n.score for n in ours], [s for _, s in theirs], atol=1e-5)


def test_neighbours_restrict_and_keep_query(demo_vectors, demo_keyed_vectors):
    ours = neighbours(demo_vectors, "king", k=5, restrict=2000)
    theirs = demo_keyed_vectors.most_similar("king", topn=5, restrict_vocab=2000)
    assert [n.word for n in ours] == [w for w, _ in theirs]
    kept = neighbours(demo_vectors, "king", k=3, keep_query=True)
    assert kept[0].word == "king" and kept[0].score == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("positive,negative", [a for a in ANALOGIES if a[1]])
def test_analogy_add_equals_gensim(demo_vectors, demo_keyed_vectors, positive, negative):
    expression = " + ".join(positive[:1]) + "".join(f" - {w}" for w in negative) + "".join(
        f" + {w}" for w in positive[1:])
    ours = solve(demo_vectors, expression, k=10, method="add")
    theirs = demo_keyed_vectors.most_similar(positive=positive, negative=negative, topn=10)
    assert [a.word for a in ours.answers] == [w for w, _ in theirs]
    np.testing.assert_allclose([a.score for a in ours.answers], [s for _, s in theirs], atol=1e-5)


@pytest.mark.parametrize("positive,negative", ANALOGIES)
def test_analogy_mul_equals_gensim_cosmul(demo_vectors, demo_keyed_vectors, positive, negative):
    terms = [Term(w, 1.0) for w in positive] + [Term(w, -1.0) for w in negative]
    ours = solve(demo_vectors, terms, k=10, method="mul")
    theirs = demo_keyed_vectors.most_similar_cosmul(positive=positive, negative=negative, topn=10)
    assert [a.word for a in ours.answers] == [w for w, _ in theirs]
    np.testing.assert_allclose([a.score for a in ours.answers], [s for _, s in theirs], rtol=1e-4)


def test_weighted_analogy_equals_gensim_weights(demo_vectors, demo_keyed_vectors):
    ours = solve(demo_vectors, "0.5*king + queen - man*2", k=5)
    theirs = demo_keyed_vectors.most_similar(positive=[("king", 0.5), "queen"], negative=[("man", -2.0)],
                                             topn=5)
    assert [a.word for a in ours.answers] == [w for w, _ in theirs]


def test_demo_king_man_woman_is_queen(demo_vectors):
    for text in ("king - man + woman", "king-man+woman", "  king -man+ woman "):
        assert solve(demo_vectors, text).answer == "queen"
    assert solve(demo_vectors, "father - son + daughter").answer == "mother"


def test_inputs_left_out_unless_kept(demo_vectors):
    answers = [a.word for a in solve(demo_vectors, "king - man + woman", k=20).answers]
    assert not {"king", "man", "woman"} & set(answers)
    kept = [a.word for a in solve(demo_vectors, "king - man + woman", k=20, keep_inputs=True).answers]
    # Kept, the answers are the plain top 20 by cosine with the target, inputs included.
    unit = demo_vectors.unit
    target = unit[demo_vectors.index_of("king")] - unit[demo_vectors.index_of("man")] \
        + unit[demo_vectors.index_of("woman")]
    order = np.argsort(-(unit @ (target / np.linalg.norm(target))), kind="stable")[:20]
    assert kept == [demo_vectors.words[i] for i in order]
    assert "king" in kept and set(answers[:10]) <= set(kept)


def test_case_is_folded_to_the_vocabulary(demo_vectors):
    assert solve(demo_vectors, "King - Man + Woman").answer == "queen"


def test_unknown_word_is_named_with_suggestions(demo_vectors):
    with pytest.raises(UnknownWordError) as info:
        solve(demo_vectors, "kingg - man + woman")
    message = str(info.value)
    assert "'kingg'" in message and "king" in info.value.suggestions and "\n" not in message
    with pytest.raises(UnknownWordError, match="'zzqx'"):
        neighbours(demo_vectors, "zzqx")


@pytest.mark.parametrize("text,expected", [
    ("king - man + woman", [("king", 1), ("man", -1), ("woman", 1)]),
    ("king-man+woman", [("king", 1), ("man", -1), ("woman", 1)]),
    ("0.5*king + queen", [("king", 0.5), ("queen", 1)]),
    ("king*2 - 1.5*man", [("king", 2), ("man", -1.5)]),
    ("-man + woman", [("man", -1), ("woman", 1)]),
    ("a + a - b", [("a", 2), ("b", -1)]),
    ("new_york - usa", [("new_york", 1), ("usa", -1)]),
    ("1984 + war", [("1984", 1), ("war", 1)]),
    ("king + queen + prince + princess - man", [("king", 1), ("queen", 1), ("prince", 1),
                                                ("princess", 1), ("man", -1)]),
])
def test_parse_expression(text, expected):
    assert [(t.word, t.weight) for t in parse_expression(text)] == [(w, float(x)) for w, x in expected]


@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ("   ", "empty"),
    ("king -", "ends with an operator"),
    ("king - man +", "ends with an operator"),
    ("+ - king", "expected a word"),
    ("king man", "expected \\+ or -"),
    ("*king", "expected a word"),
    ("king * x", "must be followed by a number"),
    ("2*", "a word is missing"),
    ("x" * 1001, "too long"),
])
def test_bad_expressions(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse_expression(text)


def test_solve_rejects_bad_parameters(demo_vectors):
    with pytest.raises(ParameterError, match="unknown analogy method"):
        solve(demo_vectors, "king - man", method="cosine")
    with pytest.raises(ParameterError, match="k must be"):
        solve(demo_vectors, "king - man", k=0)
    with pytest.raises(ExpressionError, match="weight 0"):
        solve(demo_vectors, "king - king")
    with pytest.raises(ExpressionError, match="positive weight"):
        solve(demo_vectors, "-king", method="mul")


def test_doesnt_match_equals_gensim(demo_vectors, demo_keyed_vectors):
    for words in (["king", "queen", "prince", "water"], ["bread", "wine", "meat", "sword"]):
        assert doesnt_match(demo_vectors, words) == demo_keyed_vectors.doesnt_match(words)
    with pytest.raises(ParameterError, match="at least two"):
        doesnt_match(demo_vectors, ["king"])
    with pytest.raises(UnknownWordError):
        doesnt_match(demo_vectors, ["king", "qqqqzz"])


def test_similarity_equals_gensim(demo_vectors, demo_keyed_vectors):
    assert similarity(demo_vectors, "king", "queen") == pytest.approx(
        float(demo_keyed_vectors.similarity("king", "queen")), abs=1e-6)


def test_zero_vector_does_not_break_queries():
    vectors = Vectors(["a", "b", "zero"], [[1, 0], [0.8, 0.2], [0, 0]])
    assert neighbours(vectors, "a", k=2)[0].word == "b"
    assert neighbours(vectors, "zero", k=2)[0].score == 0.0


def test_replace_word_replaces_whole_words_only(demo_vectors):
    from embedviz.space.analogy import is_known, replace_word, split_words

    assert replace_word("kingg - man+kingg*2 + kinggdom", "kingg", "king") == "king - man+king*2 + kinggdom"
    assert replace_word("0.5*mann-womann", "mann", "man") == "0.5*man-womann"
    assert split_words(" king, queen  prince,,bread ") == ["king", "queen", "prince", "bread"]
    assert is_known(demo_vectors, "king - man + woman")
    assert not is_known(demo_vectors, "king - zzqx") and not is_known(demo_vectors, "king - - ")
