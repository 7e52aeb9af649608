"""Word analogies typed as expressions: ``king - man + woman``.

An expression is a sum of weighted words: ``king - man + woman``, ``king-man+woman``,
``0.5*king + queen``, ``king*2 - man``. Two ways to solve it:

- ``add`` (3CosAdd): the words closest by cosine to the weighted mean of the unit vectors; equals
  gensim's ``most_similar(positive=..., negative=...)``.
- ``mul`` (3CosMul, Levy & Goldberg 2014): the product of the positive words' cosines over the
  product of the negative words' cosines, cosines shifted to [0, 1]; equals gensim's
  ``most_similar_cosmul``. A weight acts as an exponent on its word's factor.

The input words are left out of the answers unless ``keep_inputs`` is set.

Grammar: ``['+'|'-'] term (('+'|'-') term)*`` with ``term = [weight '*'] word ['*' weight]``; a
weight is a plain decimal (``2``, ``0.5``, ``.5``), a word is anything else between white space and
operators (``1984`` standing alone is a word). Limits, so that a pasted megabyte is refused at once
rather than parsed: :data:`MAX_EXPRESSION_LENGTH` characters, :data:`MAX_TERMS` words and weights
of at most :data:`MAX_WEIGHT` in size (larger ones would overflow float32 arithmetic). Every
refusal is an :class:`~embedviz.core.errors.ExpressionError` whose one line quotes the input with
``repr`` (control characters escaped), never an echo of a huge input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from embedviz.core.errors import EmbedvizError, ExpressionError, ParameterError
from embedviz.space.neighbours import Neighbour, top_k
from embedviz.vectors.vectors import Vectors

#: Longest expression parsed, in characters (a limit, not a setting: nobody types more).
MAX_EXPRESSION_LENGTH = 1_000
# A character that continues a word: anything but white space and the operators.
_WORD_CHAR = r"[^\s+\-*]"
#: Most words in one expression.
MAX_TERMS = 50
#: Largest weight in size; a weight of 1e6 already drowns every other word.
MAX_WEIGHT = 1e6
METHODS = ("add", "mul")
# gensim's most_similar_cosmul adds this to the denominator to avoid dividing by zero.
COSMUL_EPSILON = 1e-6

_NUMBER = r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"
_TOKEN = re.compile(rf"\s*(?:(?P<number>{_NUMBER})(?![^\s+\-*])|(?P<op>[+\-*])|(?P<word>[^\s+\-*]+))")


class Term(NamedTuple):
    word: str
    weight: float


@dataclass
class Analogy:
    """A solved expression: its terms (words as the vocabulary spells them) and the answers."""

    expression: str
    terms: list[Term]
    method: str
    answers: list[Neighbour] = field(default_factory=list)

    @property
    def answer(self) -> str | None:
        return self.answers[0].word if self.answers else None

    def to_dict(self) -> dict:
        return {
            "expression": self.expression,
            "method": self.method,
            "terms": [{"word": t.word, "weight": t.weight} for t in self.terms],
            "answers": [{"word": a.word, "score": a.score} for a in self.answers],
        }


def parse_expression(text: str) -> list[Term]:
    """Parse ``king - man + woman`` into ``[Term('king', 1.0), Term('man', -1.0), Term('woman', 1.0)]``.

    A weight may stand before (``0.5*king``) or after (``king*0.5``) its word. The same word twice
    has its weights added. Raises :class:`ExpressionError` with what is wrong and where.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty: type words joined by + and -, e.g. king - man + woman")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"the expression is too long ({len(text):,} characters; at most "
                              f"{MAX_EXPRESSION_LENGTH:,}): shorten it")
    tokens = _tokenize(text)
    terms: list[Term] = []
    sign = 1.0
    position = 0
    expect_term = True
    # Grammar: ['+'|'-'] term (('+'|'-') term)*, term = [number '*'] word ['*' number]
    while position < len(tokens):
        kind, value = tokens[position]
        if expect_term:
            if kind == "op" and value in "+-" and not terms and sign == 1.0 and position == 0:
                sign = -1.0 if value == "-" else 1.0
                position += 1
                continue
            weight = 1.0
            if kind == "number" and tokens[position + 1: position + 2] != [("op", "*")]:
                kind = "word"  # a number standing alone is a word of the vocabulary ("1984")
            if kind == "number":
                weight = _weight(value)
                position += 2
                if position >= len(tokens):
                    raise ExpressionError("the expression ends with an operator: a word is missing after *")
                kind, value = tokens[position]
            if kind != "word":
                shown = repr(value) if kind == "op" else f"the number {value}"
                raise ExpressionError(f"expected a word but found {shown} in {text.strip()!r}")
            word = value
            position += 1
            if position < len(tokens) and tokens[position] == ("op", "*"):
                if position + 1 >= len(tokens) or tokens[position + 1][0] != "number":
                    if _looks_like_number(word):  # 1e3*king, nan*king, inf*king
                        raise ExpressionError(f"{_shorten(word)!r} is not a weight: write weights as plain "
                                              "decimals, e.g. 2*king or 0.5*king")
                    raise ExpressionError(f"'*' after {_shorten(word)!r} must be followed by a number")
                weight *= _weight(tokens[position + 1][1])
                position += 2
            terms.append(Term(word, sign * weight))
            expect_term = False
        else:
            if kind != "op" or value == "*":
                raise ExpressionError(
                    f"expected + or - before {_shorten(value)!r}: join the words with + and -, "
                    "e.g. king - man + woman")
            sign = -1.0 if value == "-" else 1.0
            position += 1
            expect_term = True
    if expect_term:
        raise ExpressionError("the expression ends with an operator: a word is missing at the end")
    if len(terms) > MAX_TERMS:
        raise ExpressionError(f"the expression has {len(terms)} words; at most {MAX_TERMS}")
    return _merge(terms)


def replace_word(expression: str, word: str, replacement: str) -> str:
    """``expression`` with every whole occurrence of ``word`` replaced (a word ends at white space
    or an operator, as :func:`parse_expression` reads it): the fix a suggestion offers."""
    pattern = rf"(?<!{_WORD_CHAR}){re.escape(word)}(?!{_WORD_CHAR})"
    return re.sub(pattern, lambda _: replacement, expression)


def is_known(vectors: Vectors, expression: str) -> bool:
    """Whether ``expression`` parses and the model knows each of its words."""
    try:
        for term in parse_expression(expression):
            vectors.resolve(term.word)
    except EmbedvizError:
        return False
    return True


def split_words(text: str) -> list[str]:
    """Words typed as a list, separated by commas and/or white space."""
    return [w for w in re.split(r"[,\s]+", text) if w]


def _weight(text: str) -> float:
    weight = float(text)  # the token is digits and one dot: always a valid float, maybe inf
    if not weight <= MAX_WEIGHT:
        raise ExpressionError(f"the weight {_shorten(text)} is too large: use weights between "
                              f"-{MAX_WEIGHT:,.0f} and {MAX_WEIGHT:,.0f}")
    return weight


def _looks_like_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _shorten(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[: most - 3] + "..."


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        # The pattern matches any non-space character, so a match always advances.
        assert match is not None and match.end() > position
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _merge(terms: list[Term]) -> list[Term]:
    merged: dict[str, float] = {}
    for term in terms:
        merged[term.word] = merged.get(term.word, 0.0) + term.weight
    return [Term(w, weight) for w, weight in merged.items()]


def solve(vectors: Vectors, expression, k: int = 10, method: str = "add",
          keep_inputs: bool = False, restrict: int | None = None) -> Analogy:
    """Solve an analogy expression (a string or a list of :class:`Term`) on ``vectors``.

    >>> solve(vectors, "king - man + woman").answer     # doctest: +SKIP
    'queen'
    """
    if method not in METHODS:
        raise ParameterError(f"unknown analogy method {method!r}: use one of {', '.join(METHODS)}")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ParameterError(f"k must be a whole number of at least 1, not {k!r}")
    text = expression if isinstance(expression, str) else " + ".join(
        f"{t.weight}*{t.word}" for t in expression)
    terms = resolved_terms(vectors, expression)
    indices = [vectors.index[t.word] for t in terms]
    weights = np.array([t.weight for t in terms], dtype=np.float32)
    unit = vectors.unit if restrict is None else vectors.unit[: int(restrict)]
    if method == "add":
        scores = _cos_add(unit, vectors.unit[indices], weights)
    else:
        if not any(w > 0 for w in weights):
            raise ExpressionError("3CosMul needs at least one word with a positive weight")
        scores = _cos_mul(unit, vectors.unit[indices], weights)
    exclude = () if keep_inputs else [i for i in indices if i < len(unit)]
    answers = [Neighbour(vectors.words[i], float(scores[i])) for i in top_k(scores, k, exclude)]
    return Analogy(text.strip(), terms, method, answers)


def resolved_terms(vectors: Vectors, expression) -> list[Term]:
    """The terms of ``expression`` (a string or a list of :class:`Term`) with each word as the
    vocabulary spells it and repeated words merged; raises for an unknown word (naming it, with
    suggestions) or an expression whose weights are all 0."""
    terms = parse_expression(expression) if isinstance(expression, str) else _check_terms(expression)
    terms = _merge([Term(vectors.resolve(t.word), float(t.weight)) for t in terms])
    if all(t.weight == 0 for t in terms):
        raise ExpressionError("every word in the expression has weight 0")
    return terms


def _check_terms(terms) -> list[Term]:
    """Terms handed in as a list (not typed): the same limits as a parsed expression."""
    terms = [Term(str(word), float(weight)) for word, weight in terms]
    if not terms:
        raise ExpressionError("the expression is empty: give at least one word")
    if len(terms) > MAX_TERMS:
        raise ExpressionError(f"the expression has {len(terms)} words; at most {MAX_TERMS}")
    for term in terms:
        if not abs(term.weight) <= MAX_WEIGHT:  # also refuses NaN
            raise ExpressionError(f"the weight {term.weight} of {_shorten(term.word)!r} is not usable: use "
                                  f"weights between -{MAX_WEIGHT:,.0f} and {MAX_WEIGHT:,.0f}")
    return terms


def _cos_add(unit: np.ndarray, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    # gensim: weighted mean of the unit vectors divided by the sum of |weights|, then normalised.
    mean = (weights[:, None] * inputs).sum(axis=0) / np.abs(weights).sum()
    norm = np.linalg.norm(mean)
    if norm > 0:
        mean = mean / norm
    return unit @ mean.astype(np.float32)


def _cos_mul(unit: np.ndarray, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    shifted = (1.0 + unit @ inputs.T) / 2.0  # (n, terms), each in [0, 1]
    positive = np.ones(len(unit), dtype=np.float64)
    negative = np.ones(len(unit), dtype=np.float64)
    for column, weight in enumerate(weights):
        factor = shifted[:, column].astype(np.float64) ** abs(float(weight))
        if weight > 0:
            positive *= factor
        elif weight < 0:
            negative *= factor
    has_negative = bool((weights < 0).any())
    # gensim's product over an empty list of negatives is 1.0; keep that so answers agree.
    return positive / ((negative if has_negative else 1.0) + COSMUL_EPSILON)
