"""Corpus reading: every accepted kind of file, tokenisation, statistics and bad input."""

import gzip
import json
import zipfile

import pytest
from gensim.utils import simple_preprocess

from embedviz.text.corpus import Corpus, corpus_kind
from embedviz.core.errors import CorpusError, ParameterError
from embedviz.text.tokenizer import TokenizerOptions, split_sentences, tokenize

TEXT = "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void."


def test_default_tokenizer_equals_gensim_simple_preprocess(small_corpus):
    samples = [TEXT, "Café déjà vu, naïve coöperation! 3 dogs and _private x1 tokenisation-ready",
               "ÉCOLE ÉLÉMENTAIRE élève", "aaaaaaaaaaaaaaaa bb c"]
    for document in Corpus(small_corpus).documents():
        samples.append(document.text)
        if len(samples) > 300:
            break
    for text in samples:
        assert tokenize(text) == simple_preprocess(text)
        assert tokenize(text, TokenizerOptions(deaccent=True)) == simple_preprocess(text, deacc=True)


def test_tokenizer_options():
    text = "Café Olé 1984 and x"
    assert tokenize(text, TokenizerOptions(lowercase=False)) == ["Café", "Olé", "and"]
    assert tokenize(text, TokenizerOptions(deaccent=True)) == ["cafe", "ole", "and"]
    assert tokenize(text, TokenizerOptions(numbers=True)) == ["café", "olé", "1984", "and"]
    assert tokenize(text, TokenizerOptions(min_len=1)) == ["café", "olé", "and", "x"]
    assert tokenize(text, TokenizerOptions(max_len=3)) == ["olé", "and"]
    with pytest.raises(ParameterError, match="min_len"):
        TokenizerOptions(min_len=0)
    with pytest.raises(ParameterError, match="max_len"):
        TokenizerOptions(min_len=5, max_len=2)


def test_split_sentences():
    assert split_sentences("One here. Two there! Three? \"Four.\" Five") == [
        "One here.", "Two there!", "Three?", "\"Four.\"", "Five"]


@pytest.fixture
def files(tmp_path):
    """The same two documents in every accepted format."""
    docs = [("In the beginning God created the heaven and the earth.", "old"),
            ("Blessed are the meek: for they shall inherit the earth.", "new")]
    out = {}
    out["txt"] = tmp_path / "a.txt"
    out["txt"].write_text("\n\n".join(d for d, _ in docs), encoding="utf-8")
    out["txt.gz"] = tmp_path / "a.txt.gz"
    with gzip.open(out["txt.gz"], "wt", encoding="utf-8") as f:
        f.write("\n\n".join(d for d, _ in docs))
    out["zip"] = tmp_path / "a.zip"
    with zipfile.ZipFile(out["zip"], "w") as z:
        z.writestr("b/second.txt", docs[1][0])
        z.writestr("a/first.txt", docs[0][0])
        z.writestr("__MACOSX/a/._first.txt", "\x00\x01junk")
        z.writestr("image.png", b"\x89PNG\x00")
    out["csv"] = tmp_path / "a.csv"
    out["csv"].write_text("id,text,testament\n1,\"" + docs[0][0] + "\",old\n2,\"" + docs[1][0] + "\",new\n",
                          encoding="utf-8")
    out["tsv"] = tmp_path / "a.tsv"
    out["tsv"].write_text("id\ttext\ttestament\n1\t" + docs[0][0] + "\told\n2\t" + docs[1][0] + "\tnew\n",
                          encoding="utf-8")
    out["jsonl"] = tmp_path / "a.jsonl"
    out["jsonl"].write_text("\n".join(json.dumps({"text": d, "testament": t}) for d, t in docs) + "\n",
                            encoding="utf-8")
    out["csv.gz"] = tmp_path / "b.csv.gz"
    with gzip.open(out["csv.gz"], "wt", encoding="utf-8") as f:
        f.write(out["csv"].read_text(encoding="utf-8"))
    return out


@pytest.mark.parametrize("kind", ["txt", "txt.gz", "zip", "csv", "tsv", "jsonl", "csv.gz"])
def test_every_format_reads_the_same_sentences(files, kind):
    sentences = list(Corpus(files[kind]))
    assert sentences == [simple_preprocess("In the beginning God created the heaven and the earth."),
                         simple_preprocess("Blessed are the meek: for they shall inherit the earth.")]


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl"])
def test_label_columns_are_kept(files, kind):
    documents = list(Corpus(files[kind], label_columns=["testament"]).documents())
    assert [d.labels for d in documents] == [{"testament": "old"}, {"testament": "new"}]
    statistics = Corpus(files[kind], label_columns=["testament"]).statistics()
    assert statistics.labels == {"testament": {"old": 1, "new": 1}}


def test_columns(files):
    assert Corpus(files["csv"]).columns() == ["id", "text", "testament"]
    assert Corpus(files["jsonl"]).columns() == ["text", "testament"]
    assert Corpus(files["txt"]).columns() == []


def test_statistics(small_corpus):
    corpus = Corpus(small_corpus)
    statistics = corpus.statistics(top=5)
    sentences = list(corpus)
    assert statistics.documents == 4000
    assert statistics.sentences == len(sentences)
    assert statistics.tokens == sum(len(s) for s in sentences)
    assert statistics.vocabulary == len({w for s in sentences for w in s})
    counts = {}
    for sentence in sentences:
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
    assert statistics.most_common == sorted(counts.items(), key=lambda x: -x[1])[:5]
    assert statistics.frequencies.sum() == statistics.tokens
    assert list(statistics.frequencies) == sorted(statistics.frequencies, reverse=True)


def test_hard_wrapped_text_joins_lines(tmp_path):
    path = tmp_path / "wrapped.txt"
    path.write_text("The quick brown\nfox jumps. Over the\nlazy dog.\n\nNew paragraph here.\n", encoding="utf-8")
    assert list(Corpus(path)) == [["the", "quick", "brown", "fox", "jumps"], ["over", "the", "lazy", "dog"],
                                  ["new", "paragraph", "here"]]


def test_byte_order_mark_is_skipped(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufefftext\nhello world\n".encode("utf-8"))
    assert list(Corpus(path)) == [["hello", "world"]]


def test_other_encoding_on_request(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("café olé".encode("latin-1"))
    with pytest.raises(CorpusError, match="not valid UTF-8 .*latin-1"):
        list(Corpus(path))
    assert list(Corpus(path, encoding="latin-1")) == [["café", "olé"]]


def test_phrases_join_frequent_pairs(tmp_path):
    path = tmp_path / "phrases.txt"
    import random

    rng = random.Random(0)
    filler = ["".join(rng.choice("abcdefghij") for _ in range(6)) for _ in range(300)]
    # "new york" 40 times among 300 random words, the rest of each sentence random
    lines = [f"{rng.choice(filler)} new york {' '.join(rng.sample(filler, 8))}." for _ in range(40)]
    lines += [" ".join(rng.sample(filler, 10)) + "." for _ in range(200)]
    path.write_text("\n\n".join(lines), encoding="utf-8")
    sentences = list(Corpus(path, phrases=True))
    assert "new_york" in sentences[0]


def test_fingerprint_changes_with_content_and_options(tmp_path, files):
    a = Corpus(files["csv"]).fingerprint()
    assert a == Corpus(files["csv"]).fingerprint()
    assert a != Corpus(files["csv"], tokenizer=TokenizerOptions(lowercase=False)).fingerprint()
    assert a != Corpus(files["tsv"]).fingerprint()


@pytest.mark.parametrize("name,content,message", [
    ("missing.txt", None, "no such file"),
    ("a.docx", b"hello", "unsupported corpus file type '.docx'"),
    ("binary.txt", b"abc\x00\x01\x02def", "binary"),
    ("latin.txt", "café".encode("latin-1"), "not valid UTF-8"),
    ("bad.zip", b"PK\x03\x04 not really a zip", "not a valid zip"),
    ("trunc.txt.gz", gzip.compress(b"hello world " * 1000)[:40], "truncated or corrupt"),
    ("notgz.txt.gz", b"plain text, not gzip", "truncated or corrupt"),
    ("nocol.csv", b"id,body\n1,hello\n", "no column 'text'; its columns are: id, body"),
    ("ragged.csv", b"id,text\n1,hello\n2,hello,extra\n", "line 3: the row has 3 fields but the header has 2"),
    ("empty.csv", b"", "empty"),
    ("bad.jsonl", b'{"text": "ok"}\n{not json}\n', "line 2: not a JSON object"),
    ("list.jsonl", b'["text"]\n', "expected a JSON object"),
])
def test_bad_corpus_files(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CorpusError, match=message) as info:
        list(Corpus(path))
    assert "\n" not in str(info.value)


def test_zip_without_text_and_with_climbing_paths(tmp_path):
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("picture.png", b"\x89PNG")
    with pytest.raises(CorpusError, match="no text files"):
        list(Corpus(empty))
    climbing = tmp_path / "climb.zip"
    with zipfile.ZipFile(climbing, "w") as z:
        z.writestr("../../etc/evil.txt", "hello")
    with pytest.raises(CorpusError, match="outside its folder"):
        list(Corpus(climbing))


def test_zip_expanding_past_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDVIZ_MAX_UNCOMPRESSED_MB", "1")
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.txt", "word " * 500_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(CorpusError, match="more than the limit of 1 MB"):
        list(Corpus(path))
    gz = tmp_path / "bomb.txt.gz"
    gz.write_bytes(gzip.compress(b"word " * 500_000))
    with pytest.raises(CorpusError, match="expands to more than 1 MB"):
        list(Corpus(gz))


def test_enormous_line_is_read_in_pieces(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDVIZ_MAX_LINE_CHARS", "1000")
    path = tmp_path / "long.txt"
    path.write_text("word " * 10_000, encoding="utf-8")
    tokens = [t for s in Corpus(path) for t in s]
    assert 9_990 <= len(tokens) <= 10_000  # a word cut at a piece boundary may be lost or split


def test_corpus_kind():
    assert corpus_kind("x.txt") == ("text", False)
    assert corpus_kind("x.TXT.GZ") == ("text", True)
    assert corpus_kind("x.csv.gz") == ("csv", True)
    assert corpus_kind("x.zip") == ("zip", False)
    assert corpus_kind("README") == ("text", False)
