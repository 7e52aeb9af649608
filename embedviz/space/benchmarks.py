"""The benchmark files: the standard sets gensim ships, and reading a file of each kind.

- analogies: lines ``a b c d`` meaning "a is to b as c is to d", grouped in sections by lines
  ``: section name`` (the Google set, ``questions-words.txt``);
- word pairs: lines ``word1<TAB>word2<TAB>score`` of human similarity judgements (WordSim-353,
  SimLex-999).

Every problem in a file is one :class:`BenchmarkFileError` naming the line. Scoring is in
:mod:`embedviz.space.evaluation`.
"""

from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path

from embedviz.core.errors import EmbedvizError


class BenchmarkFileError(EmbedvizError):
    """A benchmark file cannot be read: missing, empty, not UTF-8, or a line in the wrong format."""


def _gensim_test_data(name: str) -> str:
    # Where gensim.test.utils.datapath points, found without importing gensim (slow to import).
    spec = importlib.util.find_spec("gensim")
    folder = spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else ""
    return os.path.join(folder, "test", "test_data", name)


BENCHMARKS: dict[str, tuple[str, str]] = {
    "google-analogies": ("analogies", _gensim_test_data("questions-words.txt")),
    "wordsim353": ("pairs", _gensim_test_data("wordsim353.tsv")),
    "simlex999": ("pairs", _gensim_test_data("simlex999.txt")),
}


# -- benchmark files -------------------------------------------------------------------------------
def _read_lines(path) -> list[str]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BenchmarkFileError(f"cannot read the benchmark file {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BenchmarkFileError(f"{path.name} line {line}: the file is not UTF-8 text") from None
    if not text.strip():
        raise BenchmarkFileError(f"{path.name} is empty")
    return [line.rstrip("\r") for line in text.split("\n")]


def read_analogies(path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """The sections of an analogy file: ``[(name, [(a, b, c, d), ...]), ...]``.

    Blank lines and ``#`` comments are skipped; questions before the first ``: name`` line form a
    section named after the file. Raises :class:`BenchmarkFileError` naming the file and line.
    """
    name = Path(path).name
    sections: list[tuple[str, list]] = []
    for number, line in enumerate(_read_lines(path), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(":"):
            sections.append((text.lstrip(": ").strip() or f"section {len(sections) + 1}", []))
            continue
        words = text.split()
        if len(words) != 4:
            raise BenchmarkFileError(f"{name} line {number}: expected 4 words, found {len(words)}")
        if not sections:
            sections.append((Path(path).stem, []))
        sections[-1][1].append(tuple(words))
    if not any(questions for _, questions in sections):
        raise BenchmarkFileError(f"{name} holds no analogy questions (lines of 4 words: a b c d, "
                                 "'a is to b as c is to d')")
    return sections


def read_pairs(path) -> list[tuple[str, str, float]]:
    """The word pairs of a similarity file: ``[(word1, word2, score), ...]``.

    Fields are separated by tabs (or, in a line without tabs, by spaces). Blank lines and ``#``
    comments are skipped. Raises :class:`BenchmarkFileError` naming the file and line.
    """
    name = Path(path).name
    pairs = []
    for number, line in enumerate(_read_lines(path), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        fields = [f.strip() for f in (text.split("\t") if "\t" in text else text.split())]
        try:
            if len(fields) != 3 or not fields[0] or not fields[1]:
                raise ValueError
            score = float(fields[2])
            if not math.isfinite(score):
                raise ValueError
        except ValueError:
            shown = text if len(text) <= 60 else text[:57] + "..."
            raise BenchmarkFileError(f"{name} line {number}: expected two words and a number, "
                                     f"found {shown!r}") from None
        pairs.append((fields[0], fields[1], score))
    if not pairs:
        raise BenchmarkFileError(f"{name} holds no word pairs (lines: word1 <tab> word2 <tab> score)")
    return pairs
