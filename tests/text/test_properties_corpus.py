"""Properties of the corpus reader, tried on inputs Hypothesis makes up.

1. Whatever bytes a file holds, named as any accepted kind, reading it gives lists of str tokens or
   raises CorpusError (one line): never another exception.
2. Valid UTF-8 text, in any accepted kind of file, gives exactly the tokens of gensim's
   ``simple_preprocess`` on the same text (the tokeniser's documented default).
"""

import csv
import gzip
import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from gensim.utils import simple_preprocess
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedviz.text.corpus import Corpus
from embedviz.core.errors import CorpusError

SUFFIXES = (".txt", ".md", ".csv", ".tsv", ".jsonl", ".txt.gz", ".csv.gz", ".jsonl.gz", ".zip")
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _zip(members, compression) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _flip(data: bytes, at: int, value: int) -> bytes:
    """``data`` with one byte changed: a corrupt archive whose structure is still mostly there."""
    if not data:
        return data
    at %= len(data)
    return data[:at] + bytes([value]) + data[at + 1:]


# Text-like bytes reach further into the parsers than noise does.
_TEXTISH = st.text(st.sampled_from('ab é\n\r\t,;"{}[]:\\.!?0\x00\x1c'), max_size=200).map(
    lambda t: t.encode("utf-8"))
_BYTES = st.one_of(st.binary(max_size=600), _TEXTISH)
_MEMBER_NAMES = st.sampled_from(["a.txt", "b/c.md", "d.TEXT", "e.csv", ".hidden.txt", "__MACOSX/f.txt",
                                 "../up.txt", "/abs.txt", "g\\..\\h.txt", "dir/", "C:x.txt"])
_ARCHIVES = st.builds(
    _zip, st.lists(st.tuples(_MEMBER_NAMES, _BYTES), max_size=4, unique_by=lambda member: member[0]),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))
_CONTENTS = st.one_of(
    _BYTES,
    _BYTES.map(gzip.compress),
    _ARCHIVES,
    st.builds(_flip, st.one_of(_ARCHIVES, _BYTES.map(gzip.compress)), st.integers(0, 10_000),
              st.integers(0, 255)),
)


@PROPERTY
@given(content=_CONTENTS, suffix=st.sampled_from(SUFFIXES),
       encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]), text_column=st.sampled_from([None, "a"]))
def test_any_bytes_give_tokens_or_a_corpus_error(content, suffix, encoding, text_column):
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        # Small limits, so that the line and size checks are reached with small examples too.
        patch.setenv("EMBEDVIZ_MAX_LINE_CHARS", "64")
        patch.setenv("EMBEDVIZ_MAX_UNCOMPRESSED_MB", "1")
        path = Path(folder) / f"corpus{suffix}"
        path.write_bytes(content)
        try:
            corpus = Corpus(path, text_column=text_column, encoding=encoding)
            assert all(isinstance(c, str) for c in corpus.columns())
            for tokens in corpus:
                assert isinstance(tokens, list) and tokens
                assert all(isinstance(t, str) and t for t in tokens)
        except CorpusError as error:
            message = str(error)
            assert message and "\n" not in message
        assert sorted(p.name for p in Path(folder).iterdir()) == [path.name]  # nothing extracted


# Words, punctuation, line and paragraph breaks, and any other character (no NUL: text files have
# none; no lone surrogates: they cannot be written as UTF-8).
_PIECES = st.one_of(
    st.sampled_from(["the", "Cat", "sat", "ΣΟΦΟΣ", "naïve", "x1", "_private", "a", "élève", "1611",
                     "aaaaaaaaaaaaaaaaaa", " ", "  ", ". ", "! ", "? ", ", ", "\n", "\n\n", "\r\n",
                     "\t", "'", '"', "-", "\ufeff", "\u2028", "\x0c"]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6),
)
_TEXTS = st.lists(_PIECES, max_size=40).map("".join)


def _as_file(text: str, kind: str) -> tuple[str, bytes]:
    if kind == "txt":
        return "corpus.txt", text.encode("utf-8")
    if kind == "txt.gz":
        return "corpus.txt.gz", gzip.compress(text.encode("utf-8"))
    if kind == "zip":
        return "corpus.zip", _zip([("notes/a.txt", text.encode("utf-8"))], zipfile.ZIP_DEFLATED)
    if kind == "jsonl":
        return "corpus.jsonl", (json.dumps({"id": 1, "text": text}, ensure_ascii=False) + "\n").encode("utf-8")
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([["id", "text"], ["1", text]])
    return "corpus.csv", buffer.getvalue().encode("utf-8")


@PROPERTY
@given(text=_TEXTS, kind=st.sampled_from(["txt", "txt.gz", "zip", "csv", "jsonl"]))
def test_utf8_text_gives_the_tokens_of_simple_preprocess(text, kind):
    expected = simple_preprocess(text)
    with tempfile.TemporaryDirectory() as folder:
        name, data = _as_file(text, kind)
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            tokens = [token for sentence in Corpus(path) for token in sentence]
        except CorpusError as error:  # refused only when there is nothing to read at all
            assert expected == [], error
            assert "holds no text" in str(error) or "has no text" in str(error)
        else:
            assert tokens == expected
