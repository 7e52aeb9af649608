"""Reading a corpus: plain text, gzip, zip archives and tables, streamed rather than loaded whole.

Accepted files (also gzip-compressed: ``.txt.gz``, ``.csv.gz``, ...):

- ``.txt`` (and ``.text``, ``.md``, or no suffix): paragraphs separated by blank lines are documents;
  lines within a paragraph are joined, so hard-wrapped text reads as sentences.
- ``.zip``: every text file inside, in name order.
- ``.csv``, ``.tsv``: a header row; one column holds the text, others may be kept as labels.
- ``.jsonl``: one JSON object per line; one field holds the text, others may be kept as labels.

A :class:`Corpus` is a restartable iterable of tokenised sentences (lists of str), as gensim's
trainers want, and can count its own statistics.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from embedviz.core.errors import CorpusError, ParameterError
from embedviz.core.settings import setting
from embedviz.text.readers import (TABLE_DELIMITERS, Document, _header, _jsonl_records,
                                   _no_text, _open_text, _read_documents, _reading_errors, _table_rows,
                                   corpus_kind)
from embedviz.text.tokenizer import TokenizerOptions, split_sentences, tokenize



@dataclass
class CorpusStatistics:
    documents: int
    sentences: int
    tokens: int
    vocabulary: int
    most_common: list[tuple[str, int]]
    #: every word's count, highest first: the data of a Zipf (rank/frequency) plot
    frequencies: np.ndarray
    labels: dict[str, dict[str, int]]

    def to_dict(self, frequencies: bool = False) -> dict:
        out = {
            "documents": self.documents, "sentences": self.sentences, "tokens": self.tokens,
            "vocabulary": self.vocabulary,
            "most_common": [[w, c] for w, c in self.most_common],
            "labels": self.labels,
        }
        if frequencies:
            out["frequencies"] = self.frequencies.tolist()
        return out


class Corpus:
    """One or more corpus files, read lazily.

    Parameters
    ----------
    paths : path or list of paths
    text_column : column (tables) or field (jsonl) holding the text; default ``text``.
    label_columns : further columns kept as labels of each document.
    tokenizer : :class:`TokenizerOptions`.
    phrases : join frequent word pairs ("new_york") with gensim ``Phrases``, learned in a first pass.
    encoding : the files' encoding; UTF-8 (a byte-order mark is skipped) unless told otherwise.

    >>> corpus = Corpus("data/kjv.csv.gz", label_columns=["testament"])   # doctest: +SKIP
    >>> next(iter(corpus))                                                # doctest: +SKIP
    ['in', 'the', 'beginning', 'god', 'created', 'the', 'heaven', 'and', 'the', 'earth']
    """

    def __init__(self, paths, *, text_column: str | None = None, label_columns: Iterable[str] = (),
                 tokenizer: TokenizerOptions = TokenizerOptions(), phrases: bool = False,
                 encoding: str = "utf-8"):
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise CorpusError("no corpus file given")
        self.text_column = text_column
        self.label_columns = list(label_columns)
        self.tokenizer = tokenizer
        self.phrases = phrases
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ParameterError(f"unknown text encoding {encoding!r}") from None
        self.encoding = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        self._phraser = None
        for path in self.paths:
            if not path.is_file():
                raise CorpusError(f"{path}: no such file")
            corpus_kind(path)  # rejects unknown types before any reading starts
            max_bytes = setting("EMBEDVIZ_MAX_UPLOAD_MB") * 1024 * 1024
            if path.stat().st_size > max_bytes:
                raise CorpusError(f"{path.name} is larger than the limit of "
                                  f"{setting('EMBEDVIZ_MAX_UPLOAD_MB')} MB (EMBEDVIZ_MAX_UPLOAD_MB)")

    # -- documents -------------------------------------------------------------------------------
    def documents(self) -> Iterator[Document]:
        """Each file's documents in turn. A file that holds no text at all (empty, only white space,
        a table without rows) raises :class:`CorpusError` once it has been read to its end."""
        for path in self.paths:
            found = False
            for document in _read_documents(path, self.text_column, self.label_columns, self.encoding):
                if not found and document.text and not document.text.isspace():
                    found = True
                document.source = path.name
                yield document
            if not found:
                raise CorpusError(_no_text(path, self.text_column))

    def columns(self) -> list[str]:
        """The column (or field) names of the first table file, [] for text files."""
        path = self.paths[0]
        kind, gz = corpus_kind(path)
        with _reading_errors(path, self.encoding):
            if kind in ("csv", "tsv"):
                with _open_text(path, gz, self.encoding) as f:
                    return _header(path, _table_rows(path, f, TABLE_DELIMITERS["." + kind]))
            if kind == "jsonl":
                for record in _jsonl_records(path, gz, self.encoding):
                    return list(record)
        return []

    # -- sentences -------------------------------------------------------------------------------
    def _raw_sentences(self) -> Iterator[list[str]]:
        for document in self.documents():
            for sentence in split_sentences(document.text):
                tokens = tokenize(sentence, self.tokenizer)
                if tokens:
                    yield tokens

    def sentences(self) -> Iterator[list[str]]:
        """Tokenised sentences, phrases joined if asked for. Each call starts from the beginning."""
        for _, sentences in self.document_sentences():
            yield from sentences

    def document_sentences(self) -> Iterator[tuple[Document, list[list[str]]]]:
        """Each document with its tokenised sentences (empty ones left out, phrases joined if asked for)."""
        phraser = self.phraser() if self.phrases else None
        for document in self.documents():
            sentences = []
            for sentence in split_sentences(document.text):
                tokens = tokenize(sentence, self.tokenizer)
                if tokens:
                    sentences.append(phraser[tokens] if phraser is not None else tokens)
            yield document, sentences

    __iter__ = sentences

    def phraser(self):
        """The gensim phrase model learned from this corpus (learned once, on first use)."""
        if self._phraser is None:
            from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

            self._phraser = Phrases(self._raw_sentences(), min_count=5, threshold=10.0,
                                    connector_words=ENGLISH_CONNECTOR_WORDS).freeze()
        return self._phraser

    # -- statistics ------------------------------------------------------------------------------
    def statistics(self, top: int = 20, max_documents: int | None = None) -> CorpusStatistics:
        """Count documents, sentences, tokens and words in one pass.

        ``max_documents`` stops early (for a quick preview of a large upload).
        """
        counts: Counter[str] = Counter()
        labels: dict[str, Counter] = {c: Counter() for c in self.label_columns}
        n_documents = n_sentences = n_tokens = 0
        for document, sentences in self.document_sentences():
            n_documents += 1
            for column, value in document.labels.items():
                labels[column][value] += 1
            for tokens in sentences:
                n_sentences += 1
                n_tokens += len(tokens)
                counts.update(tokens)
            if max_documents is not None and n_documents >= max_documents:
                break
        frequencies = np.array(sorted(counts.values(), reverse=True), dtype=np.int64)
        return CorpusStatistics(
            documents=n_documents, sentences=n_sentences, tokens=n_tokens, vocabulary=len(counts),
            most_common=counts.most_common(top), frequencies=frequencies,
            labels={c: dict(v.most_common()) for c, v in labels.items()},
        )

    def fingerprint(self) -> str:
        """A short hash of the files' bytes and every reading option: equal means same sentences."""
        digest = hashlib.sha256()
        for path in self.paths:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
        options = {"text_column": self.text_column, "label_columns": self.label_columns,
                   "tokenizer": self.tokenizer.to_dict(), "phrases": self.phrases,
                   "encoding": self.encoding}
        digest.update(json.dumps(options, sort_keys=True).encode())
        return digest.hexdigest()[:16]

    def describe(self) -> dict:
        """What was read and how, for a model's ``meta.json``."""
        return {"files": [p.name for p in self.paths], "paths": [str(p.resolve()) for p in self.paths],
                "text_column": self.text_column, "label_columns": self.label_columns,
                "tokenizer": self.tokenizer.to_dict(), "phrases": self.phrases, "encoding": self.encoding,
                "fingerprint": self.fingerprint()}
