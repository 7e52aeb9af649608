"""Spark reads a corpus into the same sentences and tokens as the local reader, for every kind of
file, and says in one line what it cannot read."""

from __future__ import annotations

import gzip
import json
import random

import pytest
from corpus_support import bundled_rows, write_csv

from embedviz.core.errors import CorpusError
from embedviz.core.settings import DATA_DIR
from embedviz.text.corpus import Corpus
from embedviz.text.spark_reader import SparkSource, read_sentences, spark_kind
from embedviz.text.tokenizer import TokenizerOptions, split_sentences, tokenize

# Paragraphs as a person's files hold them: blank lines of spaces, several blank lines, \r\n and a
# lone \r, a byte-order mark, quotes after a full stop, accents, digits, underscores, long words.
AWKWARD = ("\ufeffIn the beginning.  God created\nthe heaven!\n\n\n   \n\tAnd the earth\r\nwas void.\r\n\r\n"
           "\"Is it?\" she asked. 'Yes.' Café, naïve: 1984 and _private words_\rend of line\n\n"
           "x " + "a" * 20 + " ok.   \n \n\n\nLast paragraph without a newline")


def spark_sentences(spark, *paths, **options):
    """Spark's sentences, sorted: it spreads the tokenising over its cores, so their order is its
    own (nothing in its training depends on it); the multiset must be the local reader's."""
    return sorted(row.sentence for row in read_sentences(spark, SparkSource(tuple(map(str, paths)), **options)).collect())


def local_sentences(*paths, **options):
    return sorted(Corpus(list(paths), **options).sentences())


def random_text(seed: int, paragraphs: int) -> str:
    """Paragraphs of random words, spaces, line ends and punctuation: every separator the readers know."""
    rng = random.Random(seed)
    pieces = ["word", "God", "é", "naïve", "x", "12", "a_b", ".", "!", "?", "'", '"', ",", " ", "  ", "\t",
              "\n", "\r\n", "\r", "\n\n", "\n \n", "\u00a0", "Ærø", "straße"]
    return "".join(rng.choice(pieces) for _ in range(paragraphs * 12))


@pytest.mark.parametrize("suffix", [".txt", ".txt.gz"])
def test_plain_text_gives_the_local_readers_sentences(spark, tmp_path, suffix):
    path = tmp_path / f"awkward{suffix}"
    data = (AWKWARD + random_text(1, 400)).encode("utf-8")
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    assert spark_sentences(spark, path) == local_sentences(path)


def test_tables_and_json_lines_give_the_local_readers_sentences(spark, tmp_path):
    rows = [{"text": text, "kind": str(i % 3)} for i, text in
            enumerate([AWKWARD, 'a "quoted, with comma" word', "", "line one\nline two, quoted", "Zoë. Ok!"]
                      + [random_text(i, 3) for i in range(300)])]
    csv_path = write_csv(tmp_path / "rows.csv", rows)
    tsv_path = tmp_path / "rows.tsv"
    tsv_path.write_text("text\tkind\n" + "".join(f"{r['text']!s}\t{r['kind']}\n" for r in rows[4:5] + rows[-50:]
                                                 if "\t" not in r["text"] and "\n" not in r["text"]
                                                 and "\r" not in r["text"] and '"' not in r["text"]), encoding="utf-8")
    jsonl_path = tmp_path / "rows.jsonl.gz"
    jsonl_path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows + [{"text": None}]).encode()))
    for path in (csv_path, tsv_path, jsonl_path):
        assert spark_sentences(spark, path, text_column="text") == local_sentences(path, text_column="text"), path
    # tables of different headers read together, as the demo's two corpora are
    other = write_csv(tmp_path / "other.csv", [{"speaker": "Hamlet", "text": "To be, or not to be.", "act": "3"}])
    assert (spark_sentences(spark, csv_path, other, text_column="text")
            == local_sentences(csv_path, other, text_column="text"))


def test_the_bundled_bible_gives_the_same_tokens_and_a_folder_reads_every_file(spark, tmp_path):
    path = DATA_DIR / "kjv.csv.gz"
    got = spark_sentences(spark, path, text_column="text")
    assert got == local_sentences(path, text_column="text")
    assert len(got) > 30_000
    folder = tmp_path / "books"
    folder.mkdir()
    for i, rows in enumerate((bundled_rows("kjv", 200), bundled_rows("shakespeare", 200))):
        (folder / f"part{i}.txt").write_text("\n\n".join(r["text"] for r in rows), encoding="utf-8")
    assert spark_kind(str(folder)) == "text"
    want = local_sentences(*sorted(folder.iterdir()))
    assert spark_sentences(spark, folder) == want


def test_tokeniser_options_are_the_local_readers(spark, tmp_path):
    path = tmp_path / "t.txt"
    path.write_text(AWKWARD + random_text(7, 100), encoding="utf-8")
    for options in (TokenizerOptions(lowercase=False), TokenizerOptions(numbers=True, min_len=1),
                    TokenizerOptions(deaccent=True, max_len=5)):
        assert spark_sentences(spark, path, tokenizer=options) == local_sentences(path, tokenizer=options)


def test_parquet_is_read_by_its_text_column(spark, tmp_path):
    texts = [AWKWARD, "The LORD is my shepherd; I shall not want.", None, random_text(3, 50)]
    folder = tmp_path / "table.parquet"
    spark.createDataFrame([(t, i) for i, t in enumerate(texts)], "body string, n long").coalesce(1) \
        .write.parquet(str(folder))
    assert spark_kind(str(folder)) == "parquet"
    want = sorted(tokenize(s) for t in texts if t for s in split_sentences(t) if tokenize(s))
    assert spark_sentences(spark, folder, text_column="body") == want
    with pytest.raises(CorpusError, match=r"has no column 'text'; its columns are: body, n"):
        spark_sentences(spark, folder)


@pytest.mark.parametrize("name, content, options, message", [
    ("missing.txt", None, {}, r"missing.txt: no such file or folder"),
    ("a.zip", b"PK\x05\x06" + b"\0" * 18, {}, r"Spark does not read zip archives"),
    ("a.docx", b"x", {}, r"unsupported corpus file type '.docx'"),
    ("latin.txt", "caf\xe9".encode("latin-1"), {"encoding": "latin-1"}, r"Spark reads text files as UTF-8 only"),
    ("rows.csv", b"body,kind\nhello,1\n", {"text_column": "text"}, r"rows.csv has no column 'text'; its columns are: body, kind"),
    ("rows.jsonl", b'{"text": "ok"}\nnot json\n', {"text_column": "text"}, r"Spark cannot read .*malformed"),
])
def test_what_spark_cannot_read_is_one_line(spark, tmp_path, name, content, options, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CorpusError, match=message) as caught:
        spark_sentences(spark, path, **options)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 400


def test_a_place_spark_has_no_file_system_for_is_one_line(spark):
    with pytest.raises(CorpusError, match=r"Spark cannot read nosuch://bucket/x.txt: it has no file system for nosuch://"):
        spark_sentences(spark, "nosuch://bucket/x.txt")
