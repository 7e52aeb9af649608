"""Bad analogy expressions, neighbour queries and odd-one-out lists: refused with one clear line, through
the engine and through the CLI, and nothing in the store changes.

The app's side (the same messages, escaped so that no Markdown is rendered) is in tests/test_markup.py.
"""

import math
import os
import subprocess
import sys
import time

import pytest

from embedviz.space.analogy import MAX_EXPRESSION_LENGTH, MAX_TERMS, MAX_WEIGHT, Term, parse_expression, solve
from embedviz.cli.main import EXIT_REFUSED, main
from embedviz.core.errors import ExpressionError, ParameterError, UnknownWordError
from embedviz.space.neighbours import MAX_DOESNT_MATCH_WORDS, doesnt_match, neighbours
from embedviz.core.settings import PROJECT_DIR
from embedviz.vectors.store import Store

def refused(call, *args, **kwargs):
    """Call; return the EmbedvizError it raised, after checking it is one short line, raised fast."""
    started = time.perf_counter()
    with pytest.raises((ExpressionError, ParameterError, UnknownWordError)) as caught:
        call(*args, **kwargs)
    elapsed = time.perf_counter() - started
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    assert elapsed < 1.0, f"took {elapsed:.2f} s to refuse"
    return caught.value


# -- the parser ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    ("", "the expression is empty: type words joined by + and -"),
    ("   \t\n ", "the expression is empty"),
    ("king -", "the expression ends with an operator: a word is missing at the end"),
    ("king - man +", "ends with an operator"),
    ("- -", "expected a word but found '-' in '- -'"),
    ("king + + queen", "expected a word but found '+'"),
    ("* king", "expected a word but found '*'"),
    ("king queen", "expected + or - before 'queen'"),
    ("2*", "a word is missing after *"),
    ("king*", "'*' after 'king' must be followed by a number"),
    ("king * queen", "'*' after 'king' must be followed by a number"),
    ("king*2*3", "expected + or - before '*'"),
    ("2*3*king", "expected a word but found the number 3"),
])
def test_malformed_expressions_are_refused_with_what_is_wrong(text, message):
    assert message in str(refused(parse_expression, text))


@pytest.mark.parametrize("text", ["1e999*king", "1e3*king", "nan*king", "inf*king", "-inf*king"])
def test_weights_that_are_not_plain_decimals_are_refused(text):
    error = refused(parse_expression, text)
    assert "is not a weight: write weights as plain decimals, e.g. 2*king or 0.5*king" in str(error)
    assert repr(text.lstrip("-").split("*")[0]) in str(error)


@pytest.mark.parametrize("text", ["9" * 400 + "*king", "king*" + "9" * 400, "2000000*king",
                                  "king - 1" + "0" * 7 + "*man"])
def test_weights_too_large_for_float32_are_refused(text):
    error = refused(parse_expression, text)
    assert f"is too large: use weights between -{MAX_WEIGHT:,.0f} and {MAX_WEIGHT:,.0f}" in str(error)
    assert len(str(error)) < 150  # a 400-digit weight is shortened, not echoed


def test_a_leading_sign_is_a_unary_operator_not_a_dangling_one():
    # "+ queen" and "- queen" are complete expressions: queen with weight +1 or -1.
    assert parse_expression("+ queen") == [Term("queen", 1.0)]
    assert parse_expression("- queen") == [Term("queen", -1.0)]
    assert parse_expression("-king + queen") == [Term("king", -1.0), Term("queen", 1.0)]


def test_weights_in_front_or_behind_and_numbers_alone_are_words():
    assert parse_expression("2*king - man") == [Term("king", 2.0), Term("man", -1.0)]
    assert parse_expression("king*.5 + 1.5 * queen") == [Term("king", 0.5), Term("queen", 1.5)]
    assert parse_expression(f"{MAX_WEIGHT:.0f}*king") == [Term("king", MAX_WEIGHT)]
    assert parse_expression("1984 - 1e999") == [Term("1984", 1.0), Term("1e999", -1.0)]


def test_huge_inputs_are_refused_at_once_without_echoing_them():
    megabyte = "king - man + woman " * 55_000  # about 1 MB
    error = refused(parse_expression, megabyte)
    assert str(error) == (f"the expression is too long ({len(megabyte):,} characters; at most "
                          f"{MAX_EXPRESSION_LENGTH:,}): shorten it")
    many = " + ".join(["king"] * 10_000)  # 10,000 terms
    assert "the expression is too long" in str(refused(parse_expression, many))
    within_length = " + ".join(["a"] * (MAX_TERMS + 1))
    assert len(within_length) <= MAX_EXPRESSION_LENGTH
    assert str(refused(parse_expression, within_length)) == (
        f"the expression has {MAX_TERMS + 1} words; at most {MAX_TERMS}")


def test_markup_is_a_word_like_any_other_and_comes_back_quoted(demo_vectors):
    for text in ("<script>alert(1)</script>", "[link](javascript:alert(1))", "<b>x</b>"):
        error = refused(solve, demo_vectors, text)
        assert isinstance(error, UnknownWordError) and error.word == text
        assert str(error).startswith(f"unknown word {text!r}: it is not in the vocabulary")
    # Several words: the first one that is not a word of the grammar is named.
    error = refused(parse_expression, "<img src=x onerror=alert(1)>")
    assert str(error) == ("expected + or - before 'src=x': join the words with + and -, e.g. "
                          "king - man + woman")
    assert "expected a word but found '*' in '**bold**'" in str(refused(parse_expression, "**bold**"))


def test_control_characters_are_escaped_in_messages(demo_vectors):
    error = refused(solve, demo_vectors, "\x1b[31mred - man")
    assert "\x1b" not in str(error) and "'\\x1b[31mred'" in str(error)  # no terminal escape reaches stderr


# -- solving ---------------------------------------------------------------------------------------------
def test_unknown_words_are_named_with_close_suggestions(demo_vectors):
    error = refused(solve, demo_vectors, "kingg - man + woman")
    assert error.word == "kingg" and "king" in error.suggestions
    assert str(error).startswith("unknown word 'kingg': it is not in the vocabulary; did you mean: king")


def test_a_huge_unknown_word_is_named_by_its_start_and_length(demo_vectors):
    word = "x" * 1_000_000
    error = refused(neighbours, demo_vectors, word)
    assert str(error) == f"unknown word {'x' * 40!r}... (1,000,000 characters): it is not in the vocabulary"
    assert error.word == word and error.suggestions == []


@pytest.mark.parametrize("expression, message", [
    ("king - king", "every word in the expression has weight 0"),
    ("0*king", "every word in the expression has weight 0"),
    ([Term("king", math.nan)], "the weight nan of 'king' is not usable"),
    ([Term("king", math.inf), Term("queen", 1.0)], "the weight inf of 'king' is not usable"),
    ([Term("king", 1e300)], "is not usable: use weights between"),
    ([], "the expression is empty: give at least one word"),
    ([Term("king", 1.0)] * (MAX_TERMS + 1), f"at most {MAX_TERMS}"),
])
def test_solve_refuses_unusable_weights(demo_vectors, expression, message):
    assert message in str(refused(solve, demo_vectors, expression))


def test_3cosmul_needs_a_positive_word(demo_vectors):
    assert "3CosMul needs at least one word with a positive weight" in str(
        refused(solve, demo_vectors, "- king", method="mul"))


# -- neighbours and the odd one out -------------------------------------------------------------------
def test_doesnt_match_refuses_short_long_and_unknown_lists(demo_vectors):
    assert str(refused(doesnt_match, demo_vectors, ["king", "  "])) == "doesnt_match needs at least two words"
    assert str(refused(doesnt_match, demo_vectors, [])) == "doesnt_match needs at least two words"
    assert str(refused(doesnt_match, demo_vectors, ["king"] * 10_000)) == (
        f"doesnt_match compares at most {MAX_DOESNT_MATCH_WORDS:,} words, not 10,000: give fewer words")
    error = refused(doesnt_match, demo_vectors, ["king", "queen", "<b>x</b>"])
    assert str(error).startswith("unknown word '<b>x</b>'")


# -- the CLI: exit 1, one line on stderr, nothing printed, nothing stored ----------------------------------
def snapshot(folder):
    """Every file under ``folder`` with its size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def installed(home):
    Store(home).ensure_demo()  # what the first command would do; done before the snapshot
    return home


def cli_refuses(capsys, home, *args):
    before = snapshot(home)
    code = main([*args])
    out, err = capsys.readouterr()
    assert code == EXIT_REFUSED, (code, out, err)
    assert out == "" and err.startswith("error: ") and err.count("\n") == 1, err
    assert snapshot(home) == before
    return err.strip()


@pytest.mark.parametrize("expression, message", [
    ("", "the expression is empty"),
    ("   ", "the expression is empty"),
    ("king -", "ends with an operator"),
    ("+ - queen", "expected a word but found '-'"),
    ("- -", "expected a word but found '-' in '- -'"),
    ("2*king*nan", "'*' after 'king' must be followed by a number"),
    ("1e999*king", "'1e999' is not a weight"),
    ("king - man + womann", "unknown word 'womann': it is not in the vocabulary; did you mean: woman"),
    ("<script>alert(1)</script>", "unknown word '<script>alert(1)</script>'"),
    ("[link](javascript:alert(1)) - man", "unknown word '[link](javascript:alert(1))'"),
    ("**bold**", "expected a word but found '*' in '**bold**'"),
    ("king - king", "every word in the expression has weight 0"),
])
def test_cli_analogy_refuses_bad_expressions(installed, capsys, expression, message):
    err = cli_refuses(capsys, installed, "analogy", "demo", expression)
    assert message in err


def test_cli_refuses_a_megabyte_expression_at_once(installed, capsys):
    started = time.perf_counter()
    err = cli_refuses(capsys, installed, "analogy", "demo", "king + " * 150_000 + "queen", "--json")
    assert time.perf_counter() - started < 5  # loading the demo vectors included
    assert "the expression is too long (1,050,005 characters; at most 1,000): shorten it" in err


@pytest.mark.parametrize("word, message", [
    ("", "unknown word ''"),
    ("<img src=x onerror=alert(1)>", "unknown word '<img src=x onerror=alert(1)>'"),
    ("\x1b[2Jkingg", "unknown word '\\x1b[2Jkingg'"),
    ("y" * 1_000_000, "(1,000,000 characters)"),
])
def test_cli_neighbors_refuses_unknown_words(installed, capsys, word, message):
    err = cli_refuses(capsys, installed, "neighbors", "demo", word)
    assert message in err and "\x1b" not in err and len(err) < 300


@pytest.mark.parametrize("words, message", [
    (["king"], "doesnt_match needs at least two words"),
    (["king", "queen", "**bold**"], "unknown word '**bold**'"),
    (["king"] * 10_000, "at most 1,000 words, not 10,000"),
])
def test_cli_doesnt_match_refuses_bad_lists(installed, capsys, words, message):
    assert message in cli_refuses(capsys, installed, "doesnt-match", "demo", *words)


def test_cli_markup_in_a_real_process_is_one_quoted_line(installed):
    """The same, as a user runs it: a real process, its stderr and exit status."""
    before = snapshot(installed)
    env = dict(os.environ, EMBEDVIZ_HOME=str(installed), PYTHONPATH=str(PROJECT_DIR))
    env.pop("EMBEDVIZ_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "embedviz", "analogy", "demo",
                             "<img src=x onerror=alert(1)> + queen"],
                            capture_output=True, text=True, env=env, cwd=PROJECT_DIR, timeout=120)
    assert result.returncode == EXIT_REFUSED and result.stdout == ""
    assert result.stderr == ("error: expected + or - before 'src=x': join the words with + and -, "
                             "e.g. king - man + woman\n")
    assert snapshot(installed) == before
