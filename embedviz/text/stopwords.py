"""English stop words: the function words that occur beside everything, and so name nothing.

The modern list is the usual closed classes (articles, pronouns, auxiliaries, prepositions,
conjunctions, a few adverbs), about NLTK's English list in size; gensim's ``STOPWORDS`` was not taken
because it also holds content words (``fire``, ``computer``, ``bill``, ``system``) that are real
cluster names in the bundled corpora. The early-modern forms are there because both bundled corpora
(the King James Bible, Shakespeare) are full of them.
"""

from __future__ import annotations

MODERN = """
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own same she
should so some such than that the their theirs them themselves then there these they this those
through to too under until up upon very was we were what when where which while who whom why will
with would you your yours yourself yourselves let also yet may might must shall us one ever every
""".split()

EARLY_MODERN = """
thee thou thy thine ye hath doth dost art shalt wilt hast didst hadst canst couldst wouldst shouldst
mayst unto thereof therein thereto whereof wherein whereby wherefore hither thither whither whence
hence tis twas nay yea o oh ay ere oft amongst betwixt thyself yourselves saith sayest
""".split()

#: What the tokeniser leaves of a contraction or an elided ending: I'll, they're, we've, know'st, th'.
FRAGMENTS = "ll re ve st th em".split()

STOP_WORDS: frozenset[str] = frozenset(MODERN + EARLY_MODERN + FRAGMENTS)


def is_stop_word(word: str) -> bool:
    return word.lower() in STOP_WORDS
