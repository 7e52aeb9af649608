"""Turning text into tokens.

The defaults reproduce gensim's ``simple_preprocess`` exactly (lowercase, alphabetic tokens of 2 to 15
characters, tokens starting with ``_`` dropped), since that is what most word2vec tutorials use and
what the demo model was trained with. Options a user expects on top: keep case, strip accents, keep
numbers, other length bounds.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from gensim.utils import deaccent as _deaccent

from embedviz.core.errors import ParameterError

# gensim.utils.PAT_ALPHABETIC: runs of word characters that are not digits.
_ALPHABETIC = re.compile(r"(?:(?![\d])\w)+", re.UNICODE)  # gensim's PAT_ALPHABETIC, groups dropped
_ALPHANUMERIC = re.compile(r"\w+", re.UNICODE)
# Sentence ends: ., ! or ? (possibly followed by closing quotes/brackets), then white space.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+")


@dataclass(frozen=True)
class TokenizerOptions:
    """How text becomes tokens.

    lowercase: fold case. deaccent: strip accents (é -> e). numbers: keep tokens with digits.
    min_len / max_len: bounds on token length, in characters.
    """

    lowercase: bool = True
    deaccent: bool = False
    numbers: bool = False
    min_len: int = 2
    max_len: int = 15

    def __post_init__(self):
        if not isinstance(self.min_len, int) or self.min_len < 1:
            raise ParameterError(f"min_len must be at least 1, not {self.min_len!r}")
        if not isinstance(self.max_len, int) or self.max_len < self.min_len:
            raise ParameterError(f"max_len must be at least min_len ({self.min_len}), not {self.max_len!r}")

    def to_dict(self) -> dict:
        return asdict(self)


def tokenize(text: str, options: TokenizerOptions = TokenizerOptions()) -> list[str]:
    """Split ``text`` into tokens.

    >>> tokenize("In the beginning God created the heaven")
    ['in', 'the', 'beginning', 'god', 'created', 'the', 'heaven']
    """
    if options.lowercase:
        text = text.lower()
    if options.deaccent:
        text = _deaccent(text)
    pattern = _ALPHANUMERIC if options.numbers else _ALPHABETIC
    lo, hi = options.min_len, options.max_len
    # findall hands back the strings at once (no match objects): the hot loop of every training.
    return [token for token in pattern.findall(text) if lo <= len(token) <= hi and token[0] != "_"]


def split_sentences(text: str) -> list[str]:
    """Split a document at sentence ends (., ! or ? followed by white space)."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]
