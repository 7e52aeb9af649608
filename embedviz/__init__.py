"""embedviz: train word embeddings on your own text and explore the space they make.

The engine, free of any user interface. Data flows one way::

    Corpus -> train() -> Vectors (saved in the Store) -> neighbours / analogy / projection / evaluation

>>> from embedviz import Store, solve
>>> store = Store(); store.ensure_demo()          # doctest: +SKIP
>>> solve(store.load("demo"), "king - man + woman").answer   # doctest: +SKIP
'queen'
"""

from embedviz.space.analogy import Analogy, Term, parse_expression, solve
from embedviz.text.corpus import Corpus, CorpusStatistics
from embedviz.core.errors import (CorpusError, EmbedvizError, ExpressionError, ParameterError, StoreError,
                     UnknownWordError, VectorsFormatError)
from embedviz.space.neighbours import Neighbour, doesnt_match, neighbours, similarity
from embedviz.vectors.store import Store
from embedviz.text.tokenizer import TokenizerOptions, tokenize
from embedviz.training.gensim import TrainingParameters, train
from embedviz.vectors.vectors import Vectors

__version__ = "0.1.0"

__all__ = [
    "Analogy", "Corpus", "CorpusError", "CorpusStatistics", "EmbedvizError", "ExpressionError",
    "Neighbour", "ParameterError", "Store", "StoreError", "Term", "TokenizerOptions",
    "TrainingParameters", "UnknownWordError", "Vectors", "VectorsFormatError", "doesnt_match",
    "neighbours", "parse_expression", "similarity", "solve", "tokenize", "train",
]
