"""Which corpus: the bundled ones, and the spec naming a chosen corpus and how to read it.

A :class:`CorpusSpec` is the small, JSON-able description of a chosen corpus and its reading options
(files, text and label columns, tokeniser, phrases, encoding). The Corpus page keeps one in the
session, the Train page hands it to a background job, and ``spec.corpus()`` opens it. Its fields
are checked like every parameter object (:mod:`embedviz.core.params`).

>>> spec = bundled_spec("kjv")
>>> spec.label_columns
['testament', 'group', 'book']
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from embedviz.core.errors import CorpusError, ParameterError
from embedviz.core.params import Flag, ListOf, Optional, Parameters, Text, rule
from embedviz.core.settings import DATA_DIR
from embedviz.text.corpus import Corpus
from embedviz.text.tokenizer import TokenizerOptions


@dataclass(frozen=True)
class BundledCorpus:
    key: str
    title: str
    paths: tuple[Path, ...]
    label_columns: tuple[str, ...] = ()
    description: str = ""


#: The corpora shipped in ``data/`` (see data/README.md); "demo" is what the demo model was trained on.
BUNDLED: dict[str, BundledCorpus] = {
    "demo": BundledCorpus("demo", "King James Bible + Shakespeare (the demo corpus)",
                          (DATA_DIR / "kjv.csv.gz", DATA_DIR / "shakespeare.csv.gz"), (),
                          "both bundled corpora, 1.6 million words: what the demo model was trained on"),
    "kjv": BundledCorpus("kjv", "King James Bible", (DATA_DIR / "kjv.csv.gz",),
                         ("testament", "group", "book"), "31,102 verses, 790k words"),
    "shakespeare": BundledCorpus("shakespeare", "Shakespeare", (DATA_DIR / "shakespeare.csv.gz",),
                                 ("genre", "work"), "38,942 speeches and paragraphs, 871k words"),
}


@dataclass
class CorpusSpec(Parameters):
    """A chosen corpus and how to read it; ``to_dict()`` / ``from_dict()`` round-trip through JSON.

    ``source`` names where it came from: ``bundled:<key>`` or ``upload:<file name>``; ``title`` is
    what to show the user.
    """

    WHAT = "corpus option"

    paths: list[str] = field(metadata=rule(ListOf(Text(), least=1)))
    text_column: str | None = field(default="text", metadata=rule(Optional(Text())))
    label_columns: list[str] = field(default_factory=list, metadata=rule(ListOf(Text())))
    tokenizer: dict = field(default_factory=lambda: TokenizerOptions().to_dict())
    phrases: bool = field(default=False, metadata=rule(Flag()))
    encoding: str = field(default="utf-8", metadata=rule(Text(longest=40)))
    source: str = field(default="", metadata=rule(Text(empty=True, longest=300)))
    title: str = field(default="", metadata=rule(Text(empty=True, longest=300)))

    def tokenizer_options(self) -> TokenizerOptions:
        try:
            return TokenizerOptions(**self.tokenizer)
        except TypeError as exc:
            raise ParameterError(f"bad tokeniser options: {exc}") from None

    def corpus(self) -> Corpus:
        """Open the corpus (checks the files exist and have an accepted kind; reads nothing)."""
        return Corpus([Path(p) for p in self.paths], text_column=self.text_column,
                      label_columns=self.label_columns, tokenizer=self.tokenizer_options(),
                      phrases=self.phrases, encoding=self.encoding)

    def stamp(self) -> tuple:
        """A cheap key of the files' identity (path, size, modification time) for caches."""
        out = []
        for p in self.paths:
            try:
                st = os.stat(p)
                out.append((str(p), st.st_size, st.st_mtime_ns))
            except OSError:
                out.append((str(p), -1, -1))
        return tuple(out)

    def size(self) -> int:
        """Total bytes of the files (compressed size for .gz and .zip)."""
        return sum(s for _, s, _ in self.stamp() if s > 0)

    def stem(self) -> str:
        """What the corpus is called in default model names (``kjv``, ``my notes``; made a valid
        name by :func:`embedviz.vectors.names.name_from`)."""
        if self.source.startswith("bundled:"):
            return self.source.split(":", 1)[1]
        return Path(self.paths[0]).name.split(".")[0] if self.paths else "corpus"

    @classmethod
    def from_dict(cls, values: dict) -> "CorpusSpec":
        return super().from_dict(values).validate()


def bundled_spec(key: str, **options) -> CorpusSpec:
    """The spec of a bundled corpus, with its usual label columns unless ``label_columns`` is given."""
    if key not in BUNDLED:
        raise CorpusError(f"no bundled corpus {key!r}; choose one of: " + ", ".join(BUNDLED))
    bundled = BUNDLED[key]
    values = dict(paths=[str(p) for p in bundled.paths], text_column="text",
                  label_columns=list(bundled.label_columns), source=f"bundled:{key}", title=bundled.title)
    values.update(options)
    return CorpusSpec(**values)


def default_spec() -> CorpusSpec:
    """What the Train page uses when no corpus was chosen: the bundled demo corpora."""
    return bundled_spec("demo")


def training_corpus(description: dict | None, model: str) -> Corpus:
    """The corpus a model was trained on, from the ``corpus`` part of its ``meta.json``, opened with
    the same reading options, and checked to be the same bytes (its fingerprint).

    Older models recorded only file names: those are looked for among the bundled corpora. A model
    with no corpus (imported vectors), a file no longer there or a changed file is one line.
    """
    if not description or not description.get("files"):
        raise CorpusError(f"{model} has no training corpus here (imported vectors, or trained elsewhere)")
    paths = [Path(p) for p in description.get("paths") or []]
    if not paths:
        paths = [DATA_DIR / Path(name).name for name in description["files"]]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise CorpusError(f"the corpus {model} was trained on is no longer there ({missing[0]})")
    try:
        corpus = Corpus(paths, text_column=description.get("text_column"),
                        label_columns=description.get("label_columns") or (),
                        tokenizer=TokenizerOptions(**(description.get("tokenizer") or {})),
                        phrases=bool(description.get("phrases")),
                        encoding=description.get("encoding") or "utf-8")
    except (TypeError, ValueError) as exc:
        raise CorpusError(f"the corpus of {model} is described in a way this version cannot read ({exc})") from None
    expected = description.get("fingerprint")
    if expected and corpus.fingerprint() != expected:
        raise CorpusError(f"the corpus {model} was trained on has changed since ({', '.join(description['files'])})")
    return corpus
