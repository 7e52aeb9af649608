"""Every kind of bad corpus, vectors file and model file: one clear line, and nothing changed.

Each case runs twice: through the engine function the app calls (``Corpus.statistics`` and
``train`` for corpora, ``exchange.import_upload`` for vectors) and through the command line. The CLI
runs in this process, as in tests/test_cli.py: the same ``main`` a real process runs, many times
faster; tests/test_cli.py already checks once that a real process behaves the same. Either way the
whole store folder, hidden folders included, is compared byte for byte before and after.
"""

import functools
import gzip
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from embedviz.cli.main import main
from embedviz.text.corpus import Corpus
from embedviz.core.errors import CorpusError, VectorsFormatError
from embedviz.vectors.exchange import import_upload
from embedviz.space.neighbours import neighbours
from embedviz.core.settings import PROJECT_DIR
from embedviz.training.sgns import SGNSParameters, train_sgns
from embedviz.vectors.store import Store
from embedviz.training.gensim import TrainingParameters, train
from embedviz.ui.corpus_widgets import OWNER_KEY, SPEC_KEY
from embedviz.text.uploads import save_upload
from embedviz.vectors.vectors import Vectors

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
       + bytes(range(256)))
TEXT = b"In the beginning God created the heaven and the earth.\n\nAnd the earth was without form.\n"
FAST = ["--quiet", "--dim", "10", "--epochs", "1", "--workers", "1"]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder``: its path relative to ``folder`` mapped to the sha256 of
    its bytes (or to "folder"). Nothing is left out, hidden folders included (.jobs, .uploads, the
    store's .tmp- folders): no refusal may write anywhere, and the one legitimate write, an upload
    saved by the Corpus page, is checked exactly in its own test."""
    found = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(root) / name
            relative = path.relative_to(folder).as_posix()
            found[relative] = "folder" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def filled_store(tmp_path_factory) -> Path:
    """A store as a user's would be, written once: two models, a projections folder, and the hidden
    marker of a demo model the user deleted (so no command installs it: the demo's 4.6 MB copied for
    every test would make this file slow, and proves nothing more)."""
    store = Store(tmp_path_factory.mktemp("template") / "store")
    store.install_demo()
    store.delete("demo")
    words = [f"word{i}" for i in range(500)]
    matrix = np.random.default_rng(0).normal(size=(500, 16))
    store.save("small", Vectors(words, matrix), {"trainer": "imported"})
    store.cache_dir("small")
    store.save("tiny", Vectors(["alpha", "beta", "gamma"], np.eye(3)), {"trainer": "imported"})
    assert store.ensure_demo() is False
    return store.home


@pytest.fixture
def models(home, filled_store) -> Store:
    """A copy of that store of this test's own, where EMBEDVIZ_HOME points."""
    shutil.copytree(filled_store, home)
    return Store(home)


def refused_by_cli(capsys, store: Store, *args) -> str:
    """Run the CLI; check that it refused (exit 1, one line on stderr, no traceback) and that the
    store is byte for byte as it was. Returns the line."""
    before = snapshot(store.home)
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 1, f"exit {code}: {out}{err}"
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""
    assert snapshot(store.home) == before
    return err.strip()


def write(folder: Path, name: str, content) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _bad_crc_zip() -> bytes:
    """A well-formed archive whose member's bytes were changed after it was written."""
    data = bytearray(zip_bytes([("a.txt", "hello world " * 50)], compression=zipfile.ZIP_STORED))
    at = data.index(b"hello")
    data[at:at + 5] = b"HELLO"
    return bytes(data)


# -- corpora -------------------------------------------------------------------------------------
CORPORA = [
    # id, file name, content, reading options (CLI flags alike), settings, the message (or a part)
    ("empty", "empty.txt", b"", {}, {}, "empty.txt holds no text: it is empty or only white space"),
    ("white-space-only", "blank.txt", b"  \n\t\n\r\n   \n", {}, {},
     "blank.txt holds no text: it is empty or only white space"),
    ("empty-gzip", "empty.txt.gz", gzip.compress(b"\n\n"), {}, {},
     "empty.txt.gz holds no text: it is empty or only white space"),
    ("table-without-rows", "header.csv", b"id,text\n", {}, {},
     "header.csv has no text in its column 'text': no rows, or only empty cells"),
    ("png", "picture.txt", PNG, {}, {}, "picture.txt looks like a binary file, not text"),
    ("nul-bytes-table", "table.csv", b"id,text\n1,\x00\x00\x00\n", {}, {},
     "table.csv looks like a binary file, not text"),
    ("latin-1", "latin.txt", "Café au lait et crème brûlée.".encode("latin-1"), {}, {},
     "latin.txt is not valid UTF-8 text (byte 0xe9); "
     "re-save it as UTF-8 or choose its encoding (e.g. latin-1)"),
    ("latin-1-table", "latin.csv", "text\nCafé au lait\n".encode("latin-1"), {}, {},
     "latin.csv is not valid UTF-8 text (byte 0xe9)"),
    ("truncated-gzip", "notes.txt.gz", gzip.compress(TEXT * 20)[:60], {}, {},
     "notes.txt.gz is truncated or corrupt: Compressed file ended before the end-of-stream marker"),
    ("gzip-in-name-only", "notes.csv.gz", b"id,text\n1,plain\n", {}, {},
     "notes.csv.gz is truncated or corrupt: Not a gzipped file"),
    ("cut-zip", "texts.zip", zip_bytes([("a.txt", TEXT)])[:-30], {}, {},
     "texts.zip is not a valid zip archive"),
    ("zip-bad-checksum", "texts.zip", _bad_crc_zip(), {}, {},
     "texts.zip is truncated or corrupt: Bad CRC-32 for file 'a.txt'"),
    ("zip-without-text", "pictures.zip", zip_bytes([("a.png", PNG)]), {}, {},
     "pictures.zip holds no text files (.txt, .text or .md)"),
    ("zip-bomb", "bomb.zip", zip_bytes([("big.txt", b"word " * 600_000)]), {},
     {"EMBEDVIZ_MAX_UNCOMPRESSED_MB": "1"},
     "bomb.zip expands to 3 MB of text, more than the limit of 1 MB (EMBEDVIZ_MAX_UNCOMPRESSED_MB)"),
    ("zip-bomb-of-many-members", "many.zip",
     zip_bytes([(f"{i}.txt", b"word " * 60_000) for i in range(10)]), {},
     {"EMBEDVIZ_MAX_UNCOMPRESSED_MB": "1"}, "many.zip expands to 3 MB of text, more than the limit of 1 MB"),
    ("gzip-bomb", "bomb.txt.gz", gzip.compress(b"word " * 600_000), {}, {"EMBEDVIZ_MAX_UNCOMPRESSED_MB": "1"},
     "bomb.txt.gz expands to more than 1 MB of text (EMBEDVIZ_MAX_UNCOMPRESSED_MB)"),
    ("zip-member-climbing", "climb.zip", zip_bytes([("a.txt", TEXT), ("../evil.txt", TEXT)]), {}, {},
     "climb.zip: the archive member '../evil.txt' points outside its folder; refusing the archive"),
    ("zip-member-absolute", "absolute.zip", zip_bytes([("/tmp/evil.txt", TEXT)]), {}, {},
     "absolute.zip: the archive member '/tmp/evil.txt' points outside its folder"),
    ("zip-member-backslashes", "windows.zip", zip_bytes([("texts\\..\\..\\evil.txt", TEXT)]), {}, {},
     "windows.zip: the archive member 'texts\\\\..\\\\..\\\\evil.txt' points outside its folder"),
    ("zip-member-drive", "drive.zip", zip_bytes([("C:/evil.txt", TEXT)]), {}, {},
     "drive.zip: the archive member 'C:/evil.txt' points outside its folder"),
    ("table-without-the-text-column", "reviews.csv", b"id,body\n1,hello world\n", {}, {},
     "reviews.csv has no column 'text'; its columns are: id, body"),
    ("table-without-the-chosen-column", "reviews.csv", b"id,text\n1,hello world\n",
     {"text_column": "review"}, {}, "reviews.csv has no column 'review'; its columns are: id, text"),
    ("table-without-a-label-column", "reviews.tsv", b"id\ttext\n1\thello world\n",
     {"label_columns": ["stars"]}, {}, "reviews.tsv has no column 'stars'; its columns are: id, text"),
    ("ragged-rows", "ragged.csv", b"id,text\n1,hello world\n2,hello,world\n", {}, {},
     "ragged.csv line 3: the row has 3 fields but the header has 2"),
    ("short-row", "short.csv", b"id,text,label\n1,hello world,a\n2,no label\n", {}, {},
     "short.csv line 3: the row has 2 fields but the header has 3"),
    ("enormous-table-line", "long.csv", b"id,text\n1," + b"word " * 1000 + b"\n", {},
     {"EMBEDVIZ_MAX_LINE_CHARS": "1000"},
     "long.csv line 2 is longer than 1,000 characters, the limit (EMBEDVIZ_MAX_LINE_CHARS)"),
    ("enormous-quoted-field", "open-quote.csv", b'id,text\n1,"' + b"word\n" * 300 + b'"\n', {},
     {"EMBEDVIZ_MAX_LINE_CHARS": "1000"},
     "open-quote.csv holds a field longer than 1,000 characters, the limit (EMBEDVIZ_MAX_LINE_CHARS)"),
    ("enormous-json-line", "long.jsonl", b'{"text": "' + b"word " * 1000 + b'"}\n', {},
     {"EMBEDVIZ_MAX_LINE_CHARS": "1000"}, "long.jsonl line 1 is longer than 1,000 characters"),
    ("json-nested-too-deep", "deep.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n", {}, {},
     "deep.jsonl line 1: not a JSON object"),
    ("not-json", "notes.jsonl", b'{"text": "fine"}\n{text: broken}\n', {}, {},
     "notes.jsonl line 2: not a JSON object (each line of a .jsonl file must be one)"),
    ("unsupported-kind", "notes.docx", b"PK\x03\x04", {}, {},
     "notes.docx: unsupported corpus file type '.docx'"),
    # kinds added with the bomb limits (issue 14)
    ("nested-zip", "nested.zip", zip_bytes([("inner.zip", zip_bytes([("a.txt", TEXT)]))]), {}, {},
     "nested.zip holds no text files (.txt, .text or .md)"),
    ("zip-bomb-by-expansion", "ratio.zip", zip_bytes([("zeros.txt", b"0" * 6_000_000)]), {}, {},
     "no text does (a compression bomb?); refused unread (EMBEDVIZ_MAX_EXPANSION)"),
    ("gzip-bomb-by-expansion", "ratio.txt.gz", gzip.compress(b"0" * 8_000_000), {}, {},
     "ratio.txt.gz expands more than 50 times: no text does (a compression bomb?); refused after 4 MB"),
    ("too-many-archive-members", "many.zip", zip_bytes([(f"{i}.txt", TEXT) for i in range(30)]), {},
     {"EMBEDVIZ_MAX_ARCHIVE_MEMBERS": "20"}, "many.zip holds 30 files, more than the limit of 20"),
    ("a-read-past-its-time-budget", "slow.txt", TEXT * 50, {}, {"EMBEDVIZ_MAX_READ_SECONDS": "-1"},
     "reading slow.txt took more than -1 s; stopped (EMBEDVIZ_MAX_READ_SECONDS)"),
    ("member-name-hiding-its-type", "report.zip", zip_bytes([("report\u202etxt.exe", TEXT)]), {}, {},
     "report.zip holds no text files (.txt, .text or .md)"),
]


def _cli_options(options: dict) -> list[str]:
    flags = ["--text-column", options["text_column"]] if "text_column" in options else []
    for column in options.get("label_columns", []):
        flags += ["--label-column", column]
    return flags


@pytest.mark.parametrize("name, content, options, settings, message",
                         [pytest.param(*case[1:], id=case[0]) for case in CORPORA])
def test_bad_corpus_through_the_engine(tmp_path, models, monkeypatch, name, content, options, settings,
                                       message):
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    path = write(tmp_path / "in", name, content)
    before, around = snapshot(models.home), snapshot(tmp_path)
    with pytest.raises(CorpusError) as caught:
        Corpus(path, **options).statistics()  # the Corpus page and `stats`
    assert message in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(CorpusError) as caught:  # the Train page's job and `train`
        train(Corpus(path, **options), TrainingParameters(dim=10, epochs=1, workers=1))
    assert message in str(caught.value)
    assert snapshot(models.home) == before
    assert snapshot(tmp_path) == around  # nothing extracted or written beside the file either


@pytest.mark.parametrize("command", ["stats", "train"])
@pytest.mark.parametrize("name, content, options, settings, message",
                         [pytest.param(*case[1:], id=case[0]) for case in CORPORA])
def test_bad_corpus_through_the_cli(tmp_path, models, monkeypatch, capsys, command, name, content, options,
                                    settings, message):
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    path = write(tmp_path / "in", name, content)
    around = snapshot(tmp_path)
    flags = _cli_options(options) + (FAST if command == "train" else [])
    line = refused_by_cli(capsys, models, command, path, *flags)
    assert message in line
    assert snapshot(tmp_path) == around


def test_a_climbing_archive_member_is_never_extracted(tmp_path, models, capsys, monkeypatch):
    """However it names a place outside, nothing of the archive is written anywhere."""
    deep = tmp_path / "a" / "b"
    members = [("notes.txt", TEXT), ("../evil.txt", b"evil"), ("../../evil.txt", b"evil"),
               (str(tmp_path / "evil.txt"), b"evil")]
    path = write(deep, "climb.zip", zip_bytes(members))
    monkeypatch.chdir(deep)  # an extraction relative to the working folder would land here
    around = snapshot(tmp_path)
    with pytest.raises(CorpusError, match="points outside its folder"):
        list(Corpus(path))
    refused_by_cli(capsys, models, "train", path, *FAST)
    assert snapshot(tmp_path) == around
    assert not list(tmp_path.rglob("evil.txt"))


def test_too_little_text_to_train_on(tmp_path, models, capsys):
    few = write(tmp_path, "few.txt", "The cat sat on the mat.")
    numbers = write(tmp_path, "numbers.txt", "1 2 3 4 5, 6! 7?")
    before = snapshot(models.home)
    assert Corpus(few).statistics().tokens == 6  # counting is fine: training is what cannot be done
    trainers = ((train, TrainingParameters(epochs=1, workers=1)), (train_sgns, SGNSParameters()))
    for trainer, parameters in trainers:
        with pytest.raises(CorpusError, match=r"too little text to train on: [01] word\(s\) occur at least "
                                              r"min_count=5 times; lower min_count or give more text"):
            trainer(Corpus(few), parameters)
        with pytest.raises(CorpusError, match=r"the corpus has no words to train on \(after tokenisation\)"):
            trainer(Corpus(numbers), parameters)
    assert snapshot(models.home) == before
    for algo in ("word2vec", "fasttext", "torch-sgns"):
        line = refused_by_cli(capsys, models, "train", few, "--algo", algo, *FAST)
        assert "too little text to train on" in line
        line = refused_by_cli(capsys, models, "train", numbers, "--algo", algo, *FAST)
        assert "the corpus has no words to train on" in line


def test_an_enormous_line_of_plain_text_is_read_in_pieces(tmp_path, models, monkeypatch, capsys):
    """Plain text has no rows to break, so a line past EMBEDVIZ_MAX_LINE_CHARS is read a piece at a
    time (memory stays bounded) rather than refused; tables refuse it (CORPORA above)."""
    monkeypatch.setenv("EMBEDVIZ_MAX_LINE_CHARS", "1000")
    path = write(tmp_path, "one-line.txt", "word " * 20_000)
    before = snapshot(models.home)
    assert 19_990 <= Corpus(path).statistics().tokens <= 20_000  # a word cut at a piece boundary
    assert main(["stats", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    statistics = json.loads(out)
    assert err == "" and 19_990 <= statistics["tokens"] <= 20_000
    assert statistics["documents"] > 1  # pieces of at most 1,000 characters were read, not one line
    assert snapshot(models.home) == before


def test_columns_of_an_unreadable_table_are_a_corpus_error(tmp_path):
    """The Corpus page asks for the columns before anything else is read."""
    latin = write(tmp_path, "latin.csv", "café,text\n1,hello\n".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"latin.csv is not valid UTF-8 text \(byte 0xe9\)"):
        Corpus(latin).columns()
    long = write(tmp_path, "long.csv", "text," * 500 + "\n")
    with pytest.raises(CorpusError, match="long.csv line 1 is longer than 1,000 characters"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("EMBEDVIZ_MAX_LINE_CHARS", "1000")
            Corpus(long).columns()
    cut = write(tmp_path, "cut.csv.gz", gzip.compress(b"id,text\n1,hello\n")[:12])
    with pytest.raises(CorpusError, match="cut.csv.gz is truncated or corrupt"):
        Corpus(cut).columns()


# -- vectors files -------------------------------------------------------------------------------
@functools.cache
def _glove_bomb() -> bytes:
    """4 MB of distinct words with 50 numbers each, gzipped to a few tens of kilobytes."""
    row = " 0.5" * 50
    return gzip.compress("".join(f"w{i}{row}\n" for i in range(20_000)).encode(), compresslevel=9)


def _binary(words, dim=2, header=None) -> bytes:
    header = header if header is not None else f"{len(words)} {dim}".encode()
    return header + b"\n" + b"".join(w.encode() + b" " + np.arange(1, dim + 1, dtype="<f4").tobytes()
                                     for w in words)


VECTORS = [
    # id, file name, content, format (None: detected), settings, the message (or a part)
    ("ragged-rows", "ragged.txt", "3 3\nking 1 2 3\nqueen 4 5 6\nman 7 8\n", None, {},
     "ragged.txt line 4: expected 3 numbers after the word, found 2"),
    ("ragged-glove", "glove.txt", "king 1 2 3\nqueen 4 5 6 7\n", None, {},
     "glove.txt line 2: expected 3 numbers after the word, found 4"),
    ("header-says-more-words", "lies.txt", "10 3\nking 1 2 3\nqueen 4 5 6\nman 7 8 9\n", None, {},
     "lies.txt: the header on line 1 announces 10 words, but the file has only 3"),
    ("header-says-fewer-words", "lies.txt", "2 3\nking 1 2 3\nqueen 4 5 6\nman 7 8 9\n", None, {},
     "lies.txt line 4: the header on line 1 announces 2 words, but the file has more"),
    ("header-says-other-dimensions", "lies.vec", "3 5\nking 1 2 3\nqueen 4 5 6\nman 7 8 9\n", None, {},
     "lies.vec line 2: expected 5 numbers after the word, found 3; "
     "the header on line 1 announces 5 dimensions"),
    ("binary-header-says-more-words", "lies.bin", _binary(["king", "queen"], header=b"3 2"), None, {},
     "lies.bin: the header announces 3 words, but the file ends after 2"),
    ("binary-header-says-fewer-words", "lies.bin", _binary(["king", "queen"], header=b"1 2"), None, {},
     "lies.bin: more data follows the 1 word the header announces"),
    ("duplicate-words", "twice.txt", "3 2\nking 1 2\nqueen 3 4\nking 5 6\n", None, {},
     "twice.txt line 4: the word 'king' appears a second time (first at line 2)"),
    ("binary-duplicate-words", "twice.bin", _binary(["king", "queen", "king"]), None, {},
     "twice.bin word 3: the word 'king' appears a second time (first at word 1)"),
    ("nan", "nan.txt", "king 1 2\nqueen nan 4\n", None, {}, "nan.txt line 2: the vector holds NaN"),
    ("infinity", "inf.txt", "2 2\nking 1 2\nqueen 3 -inf\n", None, {},
     "inf.txt line 3: the vector holds an infinite value"),
    ("too-large-for-float32", "huge.txt", "king 1 2\nqueen 3 1e39\n", None, {},
     "huge.txt line 2: the vector holds an infinite value (or one too large for float32)"),
    ("binary-nan", "nan.bin", b"1 2\nking " + np.float32([1, np.nan]).tobytes(), None, {},
     "nan.bin word 1: the vector of 'king' holds NaN"),
    ("all-zero-vectors", "zeros.txt", "2 3\nking 0 0 0\nqueen 0 -0 0.0\n", None, {},
     "zeros.txt: every vector is all zeros, so no two words can be compared"),
    ("absurd-dimensions", "wide.txt", "1 1000000000\nking 1\n", None, {},
     "wide.txt line 1: the header announces 1000000000 dimensions, more than the limit of 10000"),
    ("absurd-binary-dimensions", "wide.bin", b"1 1000000000\nking \x00\x00\x80?", None, {},
     "wide.bin line 1: the header announces 1000000000 dimensions, more than the limit of 10000"),
    ("dimensions-over-the-setting", "wide.txt", "king 1 2 3\nqueen 4 5 6\n", None,
     {"EMBEDVIZ_MAX_DIMENSIONS": "2"}, "wide.txt line 1: 3 numbers after the word, more than the limit of 2"),
    ("absurd-vocabulary", "many.txt", "1000000000000 2\nking 1 2\n", None, {},
     "many.txt line 1: the header announces 1000000000000 words, more than the limit of 2000000"),
    ("vocabulary-over-the-setting", "many.txt", "king 1 2\nqueen 3 4\nman 5 6\n", None,
     {"EMBEDVIZ_MAX_VOCABULARY": "2"}, "many.txt has more than 2 words, the most allowed"),
    ("gzip-bomb", "vectors.txt.gz", _glove_bomb(), None, {"EMBEDVIZ_MAX_UNCOMPRESSED_MB": "1"},
     "vectors.txt.gz expands to more than 1 MB (EMBEDVIZ_MAX_UNCOMPRESSED_MB)"),
    ("gzip-bomb-format-chosen", "vectors.gz", _glove_bomb(), "glove", {"EMBEDVIZ_MAX_UNCOMPRESSED_MB": "1"},
     "vectors.gz expands to more than 1 MB (EMBEDVIZ_MAX_UNCOMPRESSED_MB)"),
    ("larger-than-the-upload-limit", "big.txt", "king 1 2\n" * 150_000, None, {"EMBEDVIZ_MAX_UPLOAD_MB": "1"},
     "the limit of 1 MB (EMBEDVIZ_MAX_UPLOAD_MB)"),
    ("empty", "empty.txt", b"", None, {}, "empty.txt is empty"),
    ("binary-noise", "noise.txt", bytes(range(256)) * 8, None, {},
     "noise.txt is a binary file, not text vectors; word2vec binary files end in .bin"),
    ("not-utf-8", "latin.txt", "2 2\ncafé 1 2\nthé 3 4\n".encode("latin-1"), None, {},
     "latin.txt line 2 is not UTF-8 text (byte 0xe9 at column 4); re-save the file with the UTF-8 encoding"),
    ("truncated-gzip", "cut.txt.gz", gzip.compress(b"2 2\nking 1 2\nqueen 3 4\n")[:-12], None, {},
     "cannot read cut.txt.gz"),
    ("not-a-number", "words.txt", "king 1 2\nqueen three 4\n", None, {},
     "words.txt line 2: value 1 ('three') is not a number"),
    # kinds added with the bomb limits (issue 14)
    ("zero-dimensions", "zero.txt", "2 0\nking\nqueen\n", None, {}, "zero.txt line 1: the header announces 0 dimensions"),
    ("negative-dimensions", "neg.txt", "2 -3\nking 1 2 3\nqueen 1 2 3\n", None, {},
     "neg.txt line 1: the header announces 2 words and -3 dimensions; neither can be negative"),
    ("negative-words", "neg.txt", "-2 3\nking 1 2 3\nqueen 1 2 3\n", None, {},
     "the header announces -2 words and 3 dimensions; neither can be negative"),
    ("nul-in-a-word", "nul.vec", "2 2\nki\x00ng 1 2\nqueen 3 4\n", None, {},
     "nul.vec holds binary vectors (or NUL and other control bytes), but .vec files are text"),
    ("nul-in-a-word-named-txt", "nul.txt", "2 2\nki\x00ng 1 2\nqueen 3 4\n", None, {},
     "nul.txt word 1: the word holds the control or invisible character U+0000; no word may"),  # read as binary
    ("escape-sequence-in-a-glove-word", "esc.txt", "ki\x1b[31mng 1 2\nqueen 3 4\n", None, {},
     "esc.txt is a binary file, not text vectors"),
    ("newline-in-a-binary-word", "newline.bin", b"2 2\nki\nng " + np.float32([1, 2]).tobytes() + b"queen "
     + np.float32([3, 4]).tobytes(), None, {}, "newline.bin word 1: the word holds the control or invisible "
     "character U+000A; no word may"),
    ("bidi-override-in-a-word", "rtl.txt", "2 2\nking\u202e 1 2\nqueen 3 4\n", None, {},
     "rtl.txt line 2: the word holds the control or invisible character U+202E"),
    ("zero-width-space-in-a-word", "zw.txt", "king\u200b 1 2\nqueen 3 4\n", None, {},
     "zw.txt line 1: the word holds the control or invisible character U+200B"),
]


@pytest.mark.parametrize("name, content, fmt, settings, message",
                         [pytest.param(*case[1:], id=case[0]) for case in VECTORS])
def test_bad_vectors_through_the_engine(models, monkeypatch, name, content, fmt, settings, message):
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    data = content.encode("utf-8") if isinstance(content, str) else content
    before = snapshot(models.home)
    with pytest.raises(VectorsFormatError) as caught:
        import_upload(models, "new", name, data, fmt)  # the Models page's import
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert snapshot(models.home) == before


@pytest.mark.parametrize("name, content, fmt, settings, message",
                         [pytest.param(*case[1:], id=case[0]) for case in VECTORS])
def test_bad_vectors_through_the_cli(tmp_path, models, monkeypatch, capsys, name, content, fmt, settings,
                                     message):
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    path = write(tmp_path, name, content)
    line = refused_by_cli(capsys, models, "import", path, "--name", "new", *(["--format", fmt] if fmt else []))
    assert message in line


def test_some_zero_vectors_are_kept_with_a_note_and_never_give_nan(models, tmp_path, capsys):
    """Decision: a file whose vectors are all zero is refused (above); a few zero rows among real
    vectors (PyTorch's padding rows are zero) are kept, the user is told, and their cosine
    similarity to every word is 0, never NaN."""
    data = b"4 3\n<pad> 0 0 0\nking 1 2 3\nqueen 1 2 2.5\nman 3 -1 0\n"
    meta = import_upload(models, "padded", "padded.txt", data)
    assert meta["source"]["zero_vectors"] == 1
    path = write(tmp_path, "padded.txt", data)
    assert main(["import", str(path), "--name", "padded2"]) == 0
    out, _ = capsys.readouterr()
    assert "note: 1 of them have an all-zero vector, whose cosine similarity to every word is 0" in out
    vectors = models.load("padded")
    from_pad = neighbours(vectors, "<pad>", k=3)
    assert [n.score for n in from_pad] == [0.0, 0.0, 0.0]
    to_pad = dict(neighbours(vectors, "king", k=3))
    assert to_pad["queen"] > 0.9 and to_pad["<pad>"] == 0.0
    assert np.isfinite(vectors.unit).all()
    with pytest.raises(VectorsFormatError, match="vectors.tsv: every vector is all zeros"):
        import_upload(models, "zeros", "vectors.tsv", b"0\t0\n0\t0\n", metadata=b"king\nqueen\n")


# -- model files that would need unpickling --------------------------------------------------------
class Payload:
    """Unpickling this creates the folder ``marker``: the proof that a file was loaded."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def _pickle(protocol):
    return lambda marker: pickle.dumps(Payload(marker), protocol=protocol)


def _joblib(marker):
    buffer = io.BytesIO()
    joblib.dump(Payload(marker), buffer)
    return buffer.getvalue()


def _torch(zipped):
    def build(marker):
        import torch

        buffer = io.BytesIO()
        torch.save({"embedding.weight": Payload(marker)}, buffer, _use_new_zipfile_serialization=zipped)
        return buffer.getvalue()
    return build


def _npy(marker):
    buffer = io.BytesIO()
    np.save(buffer, np.array([Payload(marker)], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def _npz(marker):
    buffer = io.BytesIO()
    np.savez(buffer, vectors=np.array([Payload(marker)], dtype=object))
    return buffer.getvalue()


def _load_pickle(data):
    pickle.loads(data)


def _load_joblib(data):
    joblib.load(io.BytesIO(data))


def _load_torch(data):
    import torch

    torch.load(io.BytesIO(data), weights_only=False)


def _load_npy(data):
    np.load(io.BytesIO(data), allow_pickle=True)


def _load_npz(data):
    np.load(io.BytesIO(data), allow_pickle=True)["vectors"]


PICKLED = "is a pickled Python object (a gensim, joblib or PyTorch model?); embedviz never unpickles a file"
ZIPPED = "is a zip archive (PyTorch .pt and NumPy .npz files are zips of pickles), which embedviz never opens"
NUMPY = "is a NumPy array file, which may hold pickled objects, so embedviz never loads one"
MODEL_FILES = [
    # id, file name, build(marker) -> bytes, load(bytes) as its own library would, message by content
    ("gensim-model", "word2vec.model", _pickle(4), _load_pickle, PICKLED),
    ("pkl", "vectors.pkl", _pickle(2), _load_pickle, PICKLED),
    ("pickle", "vectors.pickle", _pickle(5), _load_pickle, PICKLED),
    ("joblib", "model.joblib", _joblib, _load_joblib, PICKLED),
    ("torch-pt", "embedding.pt", _torch(True), _load_torch, ZIPPED),
    ("torch-legacy-pth", "embedding.pth", _torch(False), _load_torch, PICKLED),
    ("npy-object-array", "vectors.npy", _npy, _load_npy, NUMPY),
    ("npz-object-array", "vectors.npz", _npz, _load_npz, ZIPPED),
    ("pickle-named-txt", "vectors.txt", _pickle(4), _load_pickle, PICKLED),
    ("pickle-named-bin", "vectors.bin", _pickle(2), _load_pickle, PICKLED),
    ("pickle-named-vec", "vectors.vec", _pickle(3), _load_pickle, PICKLED),
    ("pickle-without-suffix", "vectors", _pickle(4), _load_pickle, PICKLED),
    ("text-pickle-protocol-0", "vectors.txt", _pickle(0), _load_pickle, PICKLED),
    ("gzipped-pickle", "vectors.txt.gz", lambda m: gzip.compress(_pickle(4)(m)),
     lambda d: _load_pickle(gzip.decompress(d)), PICKLED),
    ("torch-named-bin", "pytorch_model.bin", _torch(True), _load_torch, ZIPPED),
    ("npy-named-txt", "vectors.txt", _npy, _load_npy, NUMPY),
]
MODEL_CASES = [pytest.param(*case[1:], id=case[0]) for case in MODEL_FILES]


@pytest.mark.parametrize("name, build, load, message", MODEL_CASES)
def test_the_crafted_model_files_really_run_code_when_loaded(tmp_path, name, build, load, message):
    """The control: each file, loaded by its own library, creates its marker folder."""
    marker = tmp_path / "loaded"
    load(build(marker))
    assert marker.is_dir()


@pytest.mark.parametrize("fmt", [None, "word2vec-binary", "glove"])
@pytest.mark.parametrize("name, build, load, message", MODEL_CASES)
def test_model_files_are_refused_without_being_loaded(tmp_path, models, capsys, name, build, load, message,
                                                      fmt):
    marker = tmp_path / "loaded"
    data = build(marker)
    before = snapshot(models.home)
    with pytest.raises(VectorsFormatError) as caught:
        import_upload(models, "new", name, data, fmt)
    text = str(caught.value)
    suffix = Path(name.removesuffix(".gz")).suffix
    if fmt is None and suffix in (".model", ".pkl", ".pickle", ".joblib", ".pt", ".pth", ".npy", ".npz"):
        assert f"{name}: embedviz does not load {suffix} files (they may hold pickled code)" in text
    else:
        assert f"{name} {message}" in text
    assert "save_word2vec_format" in text and "\n" not in text
    assert snapshot(models.home) == before
    path = write(tmp_path / "in", name, data)
    line = refused_by_cli(capsys, models, "import", path, "--name", "new", *(["--format", fmt] if fmt else []))
    assert line == f"error: {text}"
    assert not marker.exists()


# -- the app ---------------------------------------------------------------------------------------
def shown(markdown: str) -> str:
    """What a reader sees of an alert's Markdown: backslash escapes resolved, invisible joiners gone
    (embedviz.ui.text escapes messages so that quoted input is never rendered)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


@pytest.fixture
def app(models):
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.session_state[OWNER_KEY] = "owner-1"
    at.run()
    assert not at.exception
    return at


def test_a_binary_corpus_upload_is_an_error_on_the_corpus_page(app, models):
    # A small good upload is shown first (the bundled default would take seconds to count).
    save_upload("owner-1", "good.txt", TEXT, home=models.home)
    app.session_state["corpus_source"] = "upload:good.txt"
    app.switch_page("pages/corpus.py").run()
    assert not app.exception and not app.error
    before = snapshot(models.home)
    app.file_uploader(key="corpus_upload").set_value(("picture.txt", PNG, "image/png")).run()
    assert not app.exception
    assert [shown(e.value) for e in app.error] == ["picture.txt looks like a binary file, not text"]
    assert "picture.txt" not in str(app.session_state[SPEC_KEY])  # the Train page never gets it
    # The one change: the upload itself, kept in this session's own folder (no model, no job, and
    # no remembered corpus choice, .corpus.json, which is written only for a corpus that reads).
    after = snapshot(models.home)
    assert {k: after[k] for k in before} == before
    assert set(after) - set(before) == {".uploads/owner-1/picture.txt"}
    assert after[".uploads/owner-1/picture.txt"] == hashlib.sha256(PNG).hexdigest()


def test_a_bad_vectors_upload_is_an_error_on_the_models_page(app, models):
    app.switch_page("pages/models.py").run()
    assert not app.exception
    before = snapshot(models.home)
    ragged = b"3 3\nking 1 2 3\nqueen 4 5 6\nman 7 8\n"
    app.file_uploader(key="import_file_0").set_value(("ragged.txt", ragged, "text/plain")).run()
    app.button(key="import_button").click().run()
    assert not app.exception
    assert [shown(e.value) for e in app.error] == [
        "ragged.txt line 4: expected 3 numbers after the word, found 2"]
    marker = models.home / "loaded"  # inside the store: loading it would also change the snapshot
    app.file_uploader(key="import_file_0").set_value(
        ("word2vec.model", pickle.dumps(Payload(marker)), "application/octet-stream")).run()
    app.button(key="import_button").click().run()
    assert not app.exception
    assert [shown(e.value) for e in app.error] == [
        "word2vec.model: embedviz does not load .model files (they may hold pickled code); "
        "export the vectors with gensim's KeyedVectors.save_word2vec_format instead"]
    assert snapshot(models.home) == before and not marker.exists()
