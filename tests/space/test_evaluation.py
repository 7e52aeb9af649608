"""Benchmarks: analogy counts and pair correlations equal gensim's; bad files fail with one clear line."""

import json

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.test.utils import datapath

from embedviz.core.errors import EmbedvizError, ParameterError
from embedviz.space.answering import answer_analogies
from embedviz.space.benchmarks import BENCHMARKS, BenchmarkFileError, read_analogies, read_pairs
from embedviz.space.evaluation import AnalogyScore, PairsScore, evaluate, evaluate_analogies, evaluate_pairs
from embedviz.vectors.vectors import Vectors

GOOGLE = datapath("questions-words.txt")


def keyed_vectors(vectors):
    """gensim's view of the same vectors, words in the same order."""
    kv = KeyedVectors(vectors.dim)
    kv.add_vectors(vectors.words, vectors.matrix.copy())
    return kv


def gensim_sections(kv, path, **options):
    _, sections = kv.evaluate_word_analogies(path, **options)
    return [(s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections]


def our_sections(score):
    rows = [(s.name, s.correct, s.total) for s in score.sections]
    return rows + [("Total accuracy", score.correct, score.total)]


@pytest.fixture(scope="module")
def google_subset(tmp_path_factory):
    """Every fourth question of the Google set, all 14 sections (keeps gensim's slow loop short)."""
    path = tmp_path_factory.mktemp("bench") / "google-quarter.txt"
    lines = open(GOOGLE, encoding="utf-8").read().splitlines()
    path.write_text("\n".join(l for i, l in enumerate(lines) if l.startswith(":") or i % 4 == 0) + "\n",
                    encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def structured():
    """The Google set's own words with b - a + c ≈ d built in, noisily, so that some questions are
    right and some wrong; plus case variants (near and exact copies, some more frequent than the
    word) and filler words, in random frequency order."""
    rng = np.random.default_rng(7)
    dim = 40
    sections = read_analogies(GOOGLE)
    words = list(dict.fromkeys(w for _, questions in sections for q in questions for w in q))
    vector = {w: rng.normal(size=dim) for w in words}
    for number, (_, questions) in enumerate(sections):
        relation = rng.normal(size=dim)
        noise = 0.4 + 0.3 * (number % 4)
        for a, b, c, d in questions:
            vector[b] = vector[a] + relation + noise * rng.normal(size=dim)
            vector[d] = vector[c] + relation + noise * rng.normal(size=dim)
    extra = []
    for i, word in enumerate(words[::4]):
        variant = word.lower() if word != word.lower() else word.capitalize()
        copy = i % 25 == 0  # an exact copy: ties that only gensim's own order can break
        vector[variant] = vector[word] + (0 if copy else 0.05 * rng.normal(size=dim))
        extra.append(variant)
    for i in range(1000):
        vector[f"filler{i}"] = 1.5 * rng.normal(size=dim)
        extra.append(f"filler{i}")
    vocabulary = [(words + extra)[i] for i in rng.permutation(len(words) + len(extra))]
    vectors = Vectors(vocabulary, np.array([vector[w] for w in vocabulary]))
    return vectors, keyed_vectors(vectors)


# -- analogies: 3CosAdd equals gensim's evaluate_word_analogies ------------------------------------
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_add_counts_equal_gensims(structured, google_subset, case_insensitive):
    vectors, kv = structured
    score = evaluate_analogies(vectors, google_subset, case_insensitive=case_insensitive)
    assert our_sections(score) == gensim_sections(kv, google_subset, case_insensitive=case_insensitive)
    assert 0 < score.correct < score.total  # the test sees both right and wrong answers
    assert score.questions == sum(len(q) for _, q in read_analogies(google_subset))
    assert score.coverage == score.total / score.questions


def test_add_counts_equal_gensims_with_a_small_restrict_vocab(structured):
    vectors, kv = structured
    score = evaluate_analogies(vectors, GOOGLE, restrict_vocab=1200)
    assert our_sections(score) == gensim_sections(kv, GOOGLE, restrict_vocab=1200)
    assert 0 < score.total < score.questions


def test_five_case_variants_above_the_answer_hide_it_as_in_gensim(tmp_path):
    # gensim looks at its 5 best answers only, skipping case variants of the question words: with
    # king ≈ man, the target is ≈ woman, so woman's spellings outrank queen.
    rng = np.random.default_rng(0)
    e1, e2, e3, e4 = np.eye(4)
    words = ["man", "king", "woman", "queen", "dog"]
    rows = [e1, e1 + 0.1 * e2, e3, e3 + 0.3 * e2 + 0.1 * e4, e4]
    for spelling in ["Woman", "WOMAN", "wOman", "woMan", "womAn", "womaN"]:
        words.append(spelling)
        rows.append(e3 + 1e-3 * rng.normal(size=4))
    vectors = Vectors(words, np.array(rows))
    path = tmp_path / "royal.txt"
    path.write_text(": royal\nman king woman queen\n", encoding="utf-8")
    for variants in (4, 5, 6):  # 4: queen is 5th and found; 5 or more: gensim answers a variant
        some = vectors.top(5 + variants)
        score = evaluate_analogies(some, path)
        assert our_sections(score) == gensim_sections(keyed_vectors(some), str(path))
        assert score.correct == (1 if variants < 5 else 0)
    # Case-sensitive, the spellings are other words, and the best of them is the answer.
    score = evaluate_analogies(vectors, path, case_insensitive=False)
    assert our_sections(score) == gensim_sections(keyed_vectors(vectors), str(path), case_insensitive=False)
    assert score.correct == 0
    assert answer_analogies(vectors, [("man", "king", "woman")], case_insensitive=False)[0] in words[5:]


# -- analogies: 3CosMul equals gensim's most_similar_cosmul ----------------------------------------
def test_mul_answers_equal_gensims_most_similar_cosmul(structured, google_subset):
    vectors, kv = structured
    questions = [q for _, qs in read_analogies(GOOGLE) for q in qs][::9]
    questions = [q for q in questions if all(w in vectors for w in q)]
    ours = answer_analogies(vectors, questions, method="mul", restrict_vocab=len(vectors),
                            case_insensitive=False)
    theirs = [kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0]
              for a, b, c, _ in questions]
    assert len(questions) > 1000
    assert ours == theirs
    score = evaluate_analogies(vectors, google_subset, method="mul", case_insensitive=False)
    assert score.method == "mul" and 0 < score.correct < score.total


def test_add_answers_equal_gensims_most_similar(structured):
    vectors, kv = structured
    questions = [q for _, qs in read_analogies(GOOGLE) for q in qs][::25]
    questions = [q for q in questions if all(w in vectors for w in q)]
    ours = answer_analogies(vectors, questions, case_insensitive=False)
    assert ours == [kv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]
                    for a, b, c, _ in questions]


def test_answers_are_none_for_unknown_words(structured):
    vectors, _ = structured
    assert answer_analogies(vectors, [("Athens", "Greece", "nowhere-land")]) == [None]
    with pytest.raises(ParameterError, match="3 or 4 words"):
        answer_analogies(vectors, [("Athens", "Greece")])


# -- word pairs ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pair_vectors():
    rng = np.random.default_rng(3)
    words = []
    for name in ("wordsim353", "simlex999"):
        words += [w for a, b, _ in read_pairs(BENCHMARKS[name][1]) for w in (a, b)]
    words = list(dict.fromkeys(words))
    rng.shuffle(words)
    words = words[: int(len(words) * 0.85)]  # leave some pairs uncovered
    words += [w.upper() for w in words[::5]] + [f"filler{i}" for i in range(300)]
    return Vectors(words, rng.normal(size=(len(words), 30)))


@pytest.mark.parametrize("name", ["wordsim353", "simlex999"])
@pytest.mark.parametrize("options", [{}, {"case_insensitive": False}, {"restrict_vocab": 900}])
def test_pairs_equal_gensims(pair_vectors, name, options):
    path = BENCHMARKS[name][1]
    score = evaluate_pairs(pair_vectors, path, name, **options)
    pearson, spearman, oov_ratio = keyed_vectors(pair_vectors).evaluate_word_pairs(path, **options)
    assert score.name == name
    assert score.pearson == pytest.approx(pearson.statistic, abs=1e-9)
    assert score.spearman == pytest.approx(spearman.statistic, abs=1e-9)
    assert score.oov_ratio == pytest.approx(oov_ratio, abs=1e-12)
    assert 0 < score.covered < score.pairs == len(read_pairs(path))


def test_pairs_default_to_wordsim353(pair_vectors):
    score = evaluate_pairs(pair_vectors)
    assert score.name == "wordsim353" and score.pairs == 353


# -- user files ------------------------------------------------------------------------------------
def test_custom_analogy_and_pairs_files(tmp_path):
    vectors = Vectors(["man", "woman", "king", "queen", "boy", "girl"],
                      [[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [2, 0, 0], [2, 2, 0]])
    analogies = tmp_path / "royal.txt"
    analogies.write_text("# my questions\nman woman king queen\n\n: kids\nman woman boy girl\n"
                         "man woman boy dragon\n", encoding="utf-8")
    score = evaluate_analogies(vectors, analogies)
    assert [(s.name, s.correct, s.total, s.questions) for s in score.sections] == \
        [("royal", 1, 1, 1), ("kids", 1, 1, 2)]
    assert (score.correct, score.total, score.questions, score.accuracy) == (2, 2, 3, 1.0)
    assert score.coverage == pytest.approx(2 / 3)

    pairs = tmp_path / "mine.tsv"
    pairs.write_text("# word1 word2 score\nman\twoman\t5\n\nking\tqueen\t7.5\nboy girl 9\nman\tdragon\t1\n",
                     encoding="utf-8")
    score = evaluate_pairs(vectors, pairs)
    assert (score.name, score.pairs, score.covered, score.oov_ratio) == ("mine", 4, 3, 25.0)
    # The three covered pairs, scored as scipy does (the number behind gensim's evaluate_word_pairs).
    from scipy import stats
    cosines = [vectors.unit[vectors.index_of(a)] @ vectors.unit[vectors.index_of(b)]
               for a, b in (("man", "woman"), ("king", "queen"), ("boy", "girl"))]
    assert score.spearman == pytest.approx(stats.spearmanr([5, 7.5, 9], cosines)[0])
    assert score.pearson == pytest.approx(stats.pearsonr([5, 7.5, 9], cosines)[0])


@pytest.mark.parametrize("reader, content, message", [
    (read_analogies, ": s\na b c d\na b c\n", "questions.txt line 3: expected 4 words, found 3"),
    (read_analogies, "", "questions.txt is empty"),
    (read_analogies, "\n  \n", "questions.txt is empty"),
    (read_analogies, ": capitals\n# nothing yet\n", "questions.txt holds no analogy questions"),
    (read_pairs, "a\tb\t1\na\tb\tsimilar\n", "questions.txt line 2: expected two words and a number"),
    (read_pairs, "a\tb\n", "questions.txt line 1: expected two words and a number"),
    (read_pairs, "a\tb\tnan\n", "questions.txt line 1: expected two words and a number"),
    (read_pairs, "# only a comment\n", "questions.txt holds no word pairs"),
])
def test_bad_files_name_file_and_line(tmp_path, reader, content, message):
    path = tmp_path / "questions.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BenchmarkFileError, match=message) as info:
        reader(path)
    assert "\n" not in str(info.value)


def test_files_that_are_not_utf8_or_missing(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(": s\na b c d\ncaf\xe9 a b c\n".encode("latin-1"))
    with pytest.raises(BenchmarkFileError, match="latin.txt line 3: the file is not UTF-8"):
        read_analogies(path)
    with pytest.raises(BenchmarkFileError, match="latin.txt line 3: the file is not UTF-8"):
        evaluate_pairs(Vectors(["a"], [[1.0]]), path)
    with pytest.raises(BenchmarkFileError, match="cannot read the benchmark file"):
        evaluate_analogies(Vectors(["a"], [[1.0]]), tmp_path / "missing.txt")
    assert issubclass(BenchmarkFileError, EmbedvizError)


# -- no coverage, bad parameters -------------------------------------------------------------------
def test_no_coverage_gives_none_not_nan():
    vectors = Vectors(["zzz", "yyy", "xxx"], np.eye(3))
    analogies = evaluate_analogies(vectors)
    assert (analogies.accuracy, analogies.coverage, analogies.total) == (None, 0.0, 0)
    assert all(s.accuracy is None for s in analogies.sections)
    assert analogies.questions == 19544
    pairs = evaluate_pairs(vectors, BENCHMARKS["simlex999"][1])
    assert (pairs.pearson, pairs.spearman, pairs.covered, pairs.oov_ratio) == (None, None, 0, 100.0)
    json.dumps(evaluate(vectors))


def test_bad_parameters():
    vectors = Vectors(["a", "b"], np.eye(2))
    with pytest.raises(ParameterError, match="method must be one of add, mul"):
        evaluate_analogies(vectors, method="cos")
    with pytest.raises(ParameterError, match="restrict_vocab"):
        evaluate_pairs(vectors, restrict_vocab=0)
    with pytest.raises(ParameterError, match="method"):
        evaluate(vectors, methods=("add", "both"))


# -- everything at once ----------------------------------------------------------------------------
def test_evaluate_default_is_json(structured):
    vectors = structured[0].top(1000)
    result = evaluate(vectors)
    assert set(result) == {"analogies", "pairs"}
    assert set(result["analogies"]) == {"google-analogies"}
    assert set(result["analogies"]["google-analogies"]) == {"add", "mul"}
    add = result["analogies"]["google-analogies"]["add"]
    assert add == evaluate_analogies(vectors).to_dict()
    assert len(add["sections"]) == 14 and add["total"] <= add["questions"] == 19544
    assert set(result["pairs"]) == {"wordsim353", "simlex999"}
    assert result["pairs"]["simlex999"]["pairs"] == 999
    assert json.loads(json.dumps(result)) == result


def test_evaluate_user_files(tmp_path):
    vectors = Vectors(["man", "woman", "king", "queen"], [[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]])
    (tmp_path / "a").mkdir()
    analogies = tmp_path / "royal.txt"
    analogies.write_text("man woman king queen\n", encoding="utf-8")
    pairs = [tmp_path / "sim.tsv", tmp_path / "a" / "sim.tsv"]
    for path in pairs:
        path.write_text("man\twoman\t3\nking\tqueen\t4\nman\tking\t1\n", encoding="utf-8")
    result = evaluate(vectors, analogies=analogies, pairs=pairs, methods=("mul",))
    assert list(result["analogies"]) == ["royal"] and list(result["analogies"]["royal"]) == ["mul"]
    assert result["analogies"]["royal"]["mul"]["correct"] == 1
    assert list(result["pairs"]) == ["sim", "sim-2"]
    assert result["pairs"]["sim"]["name"] == "sim"
    json.dumps(result)


def test_scores_are_dataclasses_with_dicts():
    score = AnalogyScore("add", [])
    assert score.to_dict() == {"method": "add", "sections": [], "correct": 0, "total": 0,
                               "questions": 0, "accuracy": None, "coverage": 0.0}
    assert PairsScore("x", None, None, 0, 0).oov_ratio == 0.0
