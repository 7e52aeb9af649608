"""Import and export of word vectors: round trips, agreement with gensim, and every bad input."""

import gzip
import re
import struct

import numpy as np
import pytest
from gensim.models import KeyedVectors

from embedviz.core.errors import ParameterError, VectorsFormatError
from embedviz.vectors.formats import FORMATS, detect_format, read_vectors
from embedviz.vectors.writers import write_glove, write_projector, write_word2vec
from embedviz.vectors.vectors import Vectors


@pytest.fixture
def vectors() -> Vectors:
    """Words with accents and punctuation; values covering float32's range, -0.0 and a zero row."""
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((6, 5)).astype(np.float32)
    matrix[1] = 0.0
    matrix[2] = [3.4028235e38, -1.1754944e-38, 1e-45, -0.0, 123456.79]
    matrix[3] *= np.float32(1e-7)
    words = ["the", "café", "naïve", "don't", "北京", "x-ray"]
    return Vectors(words, matrix, [60, 50, 40, 30, 20, 10])


def assert_same(read: Vectors, expected: Vectors):
    assert read.words == expected.words
    assert read.matrix.dtype == np.float32
    np.testing.assert_array_equal(read.matrix, expected.matrix)


# -- round trips ---------------------------------------------------------------------------------
WRITERS = {
    "word2vec": (lambda v, p: write_word2vec(v, p), "vectors.txt"),
    "word2vec-binary": (lambda v, p: write_word2vec(v, p, binary=True), "vectors.bin"),
    "glove": (write_glove, "glove.txt"),
    "fasttext": (lambda v, p: write_word2vec(v, p), "vectors.vec"),
    "word2vec-gz": (lambda v, p: write_word2vec(v, p), "vectors.txt.gz"),
    "word2vec-binary-gz": (lambda v, p: write_word2vec(v, p, binary=True), "vectors.bin.gz"),
    "glove-gz": (write_glove, "glove.txt.gz"),
}


@pytest.mark.parametrize("kind", WRITERS)
def test_round_trip_is_exact(tmp_path, vectors, kind):
    write, name = WRITERS[kind]
    write(vectors, tmp_path / name)
    read = read_vectors(tmp_path / name)
    assert_same(read, vectors)
    assert (read.counts == 0).all()  # these files carry no counts
    assert np.signbit(read.matrix[2, 3])  # even -0.0 comes back


def test_round_trip_projector_keeps_counts(tmp_path, vectors):
    vectors_path, metadata_path = write_projector(vectors, tmp_path / "projector")
    assert (vectors_path.name, metadata_path.name) == ("vectors.tsv", "metadata.tsv")
    assert metadata_path.read_text(encoding="utf-8").splitlines()[:2] == ["word\tcount", "the\t60"]
    read = read_vectors(vectors_path)
    assert_same(read, vectors)
    assert read.counts.tolist() == [60, 50, 40, 30, 20, 10]
    assert_same(read_vectors(tmp_path / "projector"), vectors)  # the folder works too


def test_round_trip_many_random_values(tmp_path):
    # Enough rows to span several parsing chunks, with magnitudes from 1e-30 to 1e30.
    rng = np.random.default_rng(1)
    matrix = (rng.standard_normal((20_000, 3)) * 10.0 ** rng.integers(-30, 30, (20_000, 3)))
    vectors = Vectors([f"w{i}" for i in range(20_000)], matrix.astype(np.float32))
    write_word2vec(vectors, tmp_path / "v.txt")
    assert_same(read_vectors(tmp_path / "v.txt"), vectors)


def test_one_dimension_and_one_word(tmp_path):
    one = Vectors(["solo"], [[0.5]])
    write_glove(one, tmp_path / "g.txt")
    assert_same(read_vectors(tmp_path / "g.txt", "glove"), one)
    column = Vectors(["a", "b", "c"], [[1.0], [2.0], [3.0]])
    write_word2vec(column, tmp_path / "w.txt")
    assert_same(read_vectors(tmp_path / "w.txt"), column)


def test_tolerant_text_details(tmp_path):
    # BOM, CRLF, trailing spaces (the C tool and fastText write them), blank lines at the end.
    path = tmp_path / "v.vec"
    path.write_bytes(b"\xef\xbb\xbf2 2\r\nwork 1 2 \r\nplay -0.5 3e-2 \r\n\r\n\n")
    read = read_vectors(path)
    assert read.words == ["work", "play"]
    np.testing.assert_array_equal(read.matrix, np.float32([[1, 2], [-0.5, 0.03]]))


def test_word_is_everything_before_the_first_space(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("2 2\nnew\tyork 1 2\nb 3 4\n", encoding="utf-8")
    assert read_vectors(path).words == ["new\tyork", "b"]


def test_zero_vectors_are_kept(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("a 0 0\nb 0.0 -0.0\nc 1 1\n", encoding="utf-8")
    read = read_vectors(path)
    assert read.words == ["a", "b", "c"] and not read.matrix[:2].any()


# -- agreement with gensim -----------------------------------------------------------------------
@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_reads_what_gensim_writes(tmp_path, vectors, binary):
    path = tmp_path / ("gensim.bin" if binary else "gensim.txt")
    vectors.to_keyed_vectors().save_word2vec_format(str(path), binary=binary)
    assert detect_format(path) == ("word2vec-binary" if binary else "word2vec")
    assert_same(read_vectors(path), vectors)


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_gensim_reads_what_we_write(tmp_path, vectors, binary):
    path = tmp_path / ("ours.bin" if binary else "ours.txt")
    write_word2vec(vectors, path, binary=binary)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == vectors.words
    np.testing.assert_array_equal(kv.vectors, vectors.matrix)


def test_binary_written_by_gensim_is_byte_identical(tmp_path, vectors):
    ours, theirs = tmp_path / "ours.bin", tmp_path / "theirs.bin"
    write_word2vec(vectors, ours, binary=True)
    vectors.to_keyed_vectors().save_word2vec_format(str(theirs), binary=True)
    assert ours.read_bytes() == theirs.read_bytes()


def test_binary_with_newlines_after_vectors_as_the_c_tool_writes(tmp_path):
    body = b"".join(w + b" " + struct.pack("<2f", *v) + b"\n"
                    for w, v in [(b"one", (1, 2)), (b"two", (3, 4))])
    path = tmp_path / "c.bin"
    path.write_bytes(b"2 2\n" + body)
    read = read_vectors(path)
    assert read.words == ["one", "two"]
    np.testing.assert_array_equal(read.matrix, np.float32([[1, 2], [3, 4]]))
    assert KeyedVectors.load_word2vec_format(str(path), binary=True).index_to_key == read.words


# -- detection -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, expected", [
    ("word2vec", "word2vec"), ("word2vec-binary", "word2vec-binary"), ("glove", "glove"),
    ("fasttext", "fasttext"), ("word2vec-gz", "word2vec"), ("word2vec-binary-gz", "word2vec-binary"),
    ("glove-gz", "glove"),
])
def test_detect_format(tmp_path, vectors, kind, expected):
    write, name = WRITERS[kind]
    write(vectors, tmp_path / name)
    assert detect_format(tmp_path / name) == expected
    assert expected in FORMATS


def test_detect_projector(tmp_path, vectors):
    vectors_path, _ = write_projector(vectors, tmp_path / "p")
    assert detect_format(vectors_path) == "projector"
    assert detect_format(tmp_path / "p") == "projector"


def test_detect_binary_behind_a_text_name(tmp_path, vectors):
    write_word2vec(vectors, tmp_path / "vectors.txt", binary=True)
    assert detect_format(tmp_path / "vectors.txt") == "word2vec-binary"
    assert_same(read_vectors(tmp_path / "vectors.txt"), vectors)


def test_detect_glove_whose_words_are_numbers(tmp_path):
    path = tmp_path / "numbers.txt"
    path.write_text("1 0.5 0.25\n2 1 2\n", encoding="utf-8")
    assert detect_format(path) == "glove"
    assert read_vectors(path).words == ["1", "2"]


@pytest.mark.parametrize("name, content, message", [
    ("random.txt", bytes(range(256)) * 4, "random.txt is a binary file, not text vectors"),
    ("model.vec", b"2 2\n" + b"a \x00\x01\x02\x03\x04\x05\x06\x07", "model.vec holds binary vectors"),
    ("w2v.model", b"\x80\x04\x95", "does not load .model files"),
    ("arr.npy", b"\x93NUMPY", "does not load .npy files"),
    ("missing-folder", None, "the folder missing-folder holds no vectors.tsv"),
])
def test_detect_refuses(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(VectorsFormatError, match=re.escape(message)):
        detect_format(path)


# -- bad input: each one named by file and line --------------------------------------------------
def _binary(words, dim=2, header=None):
    header = header if header is not None else f"{len(words)} {dim}".encode()
    return header + b"\n" + b"".join(w.encode() + b" " + np.arange(dim, dtype="<f4").tobytes()
                                     for w in words)


BAD_FILES = [
    # (id, file name, content, format, read_vectors keywords, expected message)
    ("ragged-row", "vectors.txt", "3 3\na 1 2 3\nb 4 5 6\nc 7 8\n", None, {},
     "vectors.txt line 4: expected 3 numbers after the word, found 2"),
    ("ragged-long-row", "glove.txt", "a 1 2\nb 3 4 5\n", None, {},
     "glove.txt line 2: expected 2 numbers after the word, found 3"),
    ("word-alone", "glove.txt", "a 1 2\nb\n", None, {},
     "glove.txt line 2: expected 2 numbers after the word, found 0"),
    ("header-count-too-small", "vectors.txt", "2 2\na 1 2\nb 3 4\nc 5 6\n", None, {},
     "vectors.txt line 4: the header on line 1 announces 2 words, but the file has more"),
    ("header-count-too-large", "vectors.txt", "5 2\na 1 2\nb 3 4\n", None, {},
     "vectors.txt: the header on line 1 announces 5 words, but the file has only 2"),
    ("header-dim-wrong", "vectors.txt", "2 4\na 1 2 3\nb 3 4 5\n", None, {},
     "vectors.txt line 2: expected 4 numbers after the word, found 3; "
     "the header on line 1 announces 4 dimensions"),
    ("not-a-header", "vectors.vec", "a 1 2\nb 3 4\n", None, {},
     "vectors.vec line 1: expected a header 'count dim' (two whole numbers), found 'a 1 2'"),
    ("header-in-glove", "g.txt", "2 2\na 1 2\n", "glove", {},
     "g.txt line 1 looks like a word2vec header 'count dim'; choose the format 'word2vec'"),
    ("non-number", "vectors.txt", "2 3\na 1 2 3\nb 4 abc 6\n", None, {},
     "vectors.txt line 3: value 2 ('abc') is not a number"),
    ("decimal-comma", "glove.txt", "a 1,5 2\n", None, {},
     "glove.txt line 1: value 1 ('1,5') is not a number"),
    ("nan", "vectors.txt", "2 2\na 1 2\nb nan 4\n", None, {},
     "vectors.txt line 3: the vector holds NaN"),
    ("inf", "glove.txt", "a 1 2\nb 3 -inf\n", None, {},
     "glove.txt line 2: the vector holds an infinite value"),
    ("too-large-for-float32", "glove.txt", "a 1 2\nb 3 1e39\n", None, {},
     "glove.txt line 2: the vector holds an infinite value (or one too large for float32)"),
    ("duplicate-word", "vectors.txt", "3 2\na 1 2\nb 3 4\na 5 6\n", None, {},
     "vectors.txt line 4: the word 'a' appears a second time (first at line 2)"),
    ("empty-word", "glove.txt", "a 1 2\n 3 4\n", None, {},
     "glove.txt line 2: the word is empty"),
    ("empty-file", "vectors.txt", "", None, {}, "vectors.txt is empty: it holds no vectors"),
    ("blank-file", "vectors.vec", "\n\n", None, {}, "vectors.vec is empty: it holds no vectors"),
    ("header-only", "vectors.txt", "0 300\n", None, {},
     "vectors.txt is empty: its header announces 0 words"),
    ("too-many-dims-header", "vectors.txt", "1 3\na 1 2 3\n", None, {"max_dim": 2},
     "vectors.txt line 1: the header announces 3 dimensions, more than the limit of 2"),
    ("too-many-dims-glove", "glove.txt", "a 1 2 3\n", None, {"max_dim": 2},
     "glove.txt line 1: 3 numbers after the word, more than the limit of 2 dimensions"),
    ("too-many-words-header", "vectors.txt", "3 1\na 1\nb 2\nc 3\n", None, {"max_words": 2},
     "vectors.txt line 1: the header announces 3 words, more than the limit of 2"),
    ("too-many-words-glove", "glove.txt", "a 1\nb 2\nc 3\n", None, {"max_words": 2},
     "glove.txt has more than 2 words, the most allowed"),
    ("line-too-long", "glove.txt", "a" + " 1" * 40_000 + "\n", None, {"max_dim": 10},
     "glove.txt line 1 is longer than 66,176 bytes"),
    ("not-utf8", "vectors.txt", "2 2\ncaf\xe9 1 2\nb 3 4\n".encode("latin-1"), None, {},
     "vectors.txt line 2 is not UTF-8 text (byte 0xe9 at column 4); "
     "re-save the file with the UTF-8 encoding"),
    ("binary-read-as-text", "vectors.txt", _binary(["a", "b"]), "word2vec", {},
     "vectors.txt line 2 holds binary data, not text; "
     "for a word2vec binary file choose the format 'word2vec-binary'"),
    ("truncated-binary", "vectors.bin", _binary(["a", "b", "c"])[:-3], None, {},
     "vectors.bin: the file ends in the middle of word 3 (in its vector)"),
    ("truncated-binary-word", "vectors.bin", _binary(["a", "b"], header=b"3 2") + b"ca", None, {},
     "vectors.bin: the file ends in the middle of word 3"),
    ("binary-header-count-too-large", "vectors.bin", _binary(["a", "b"], header=b"3 2"), None, {},
     "vectors.bin: the header announces 3 words, but the file ends after 2"),
    ("binary-header-count-too-small", "vectors.bin", _binary(["a", "b"], header=b"1 2"), None, {},
     "vectors.bin: more data follows the 1 word the header announces"),
    ("binary-header-missing", "vectors.bin", b"a " + b"\x00" * 8, None, {},
     "vectors.bin line 1: expected a header 'count dim' (two whole numbers)"),
    ("binary-duplicate-word", "vectors.bin", _binary(["a", "b", "a"]), None, {},
     "vectors.bin word 3: the word 'a' appears a second time (first at word 1)"),
    ("binary-not-utf8", "vectors.bin", _binary(["a"]).replace(b"a ", b"\xff "), None, {},
     "vectors.bin word 1 is not UTF-8"),
    ("binary-nan", "vectors.bin", b"1 2\na " + np.float32([1, np.nan]).tobytes(), None, {},
     "vectors.bin word 1: the vector of 'a' holds NaN"),
    ("binary-too-many-dims", "vectors.bin", _binary(["a"], dim=3), None, {"max_dim": 2},
     "vectors.bin line 1: the header announces 3 dimensions, more than the limit of 2"),
    ("text-read-as-binary", "vectors.bin", "2 3\na 1.0 2.0 3.0\nb 4.0 5.0 6.0\n", None, {},
     "vectors.bin holds word2vec text, not binary; choose the format 'word2vec'"),
    ("corrupt-gzip", "vectors.txt.gz", gzip.compress(b"2 2\na 1 2\nb 3 4\n")[:-12], None, {},
     "cannot read vectors.txt.gz"),
    ("missing-file", "absent.txt", None, "glove", {}, "cannot open absent.txt"),
]


@pytest.mark.parametrize("name, content, fmt, options, message",
                         [pytest.param(*case[1:], id=case[0]) for case in BAD_FILES])
def test_bad_file(tmp_path, name, content, fmt, options, message):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(VectorsFormatError, match=re.escape(message)) as caught:
        read_vectors(path, fmt, **options)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("bad_row, message", [
    ("w9000 1 2", "line 9002: expected 3 numbers after the word, found 2"),
    ("w9000 1 2 3 4", "line 9002: expected 3 numbers after the word, found 4"),
    ("w9000 1 x 3", "line 9002: value 2 ('x') is not a number"),
    ("w9000 1 nan 3", "line 9002: the vector holds NaN"),
], ids=["short", "long", "non-number", "nan"])
def test_line_numbers_stay_right_past_the_first_chunk(tmp_path, bad_row, message):
    lines = ["20000 3"] + [f"w{i} 1 2 3" for i in range(20_000)]
    lines[9001] = bad_row
    (tmp_path / "v.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(VectorsFormatError, match=re.escape(message)):
        read_vectors(tmp_path / "v.txt")


# -- projector -----------------------------------------------------------------------------------
def _projector(folder, vectors_tsv: str, metadata_tsv: str | None):
    folder.mkdir()
    (folder / "vectors.tsv").write_text(vectors_tsv, encoding="utf-8")
    if metadata_tsv is not None:
        (folder / "metadata.tsv").write_text(metadata_tsv, encoding="utf-8")
    return folder / "vectors.tsv"


def test_projector_single_column_metadata_has_no_header(tmp_path):
    path = _projector(tmp_path / "p", "1\t2\n3\t4\n", "word\nnew york\n")
    read = read_vectors(path)
    assert read.words == ["word", "new york"] and (read.counts == 0).all()


def test_projector_word_column_need_not_be_first(tmp_path):
    path = _projector(tmp_path / "p", "1\t2\n3\t4\n", "label\tcount\tword\nx\t7\tcat\ny\t3\tdog\n")
    read = read_vectors(path)
    assert read.words == ["cat", "dog"] and read.counts.tolist() == [7, 3]


def test_projector_metadata_elsewhere(tmp_path):
    path = _projector(tmp_path / "p", "1\t2\n", None)
    (tmp_path / "words.tsv").write_text("solo\n", encoding="utf-8")
    assert read_vectors(path, "projector", metadata=tmp_path / "words.tsv").words == ["solo"]


@pytest.mark.parametrize("vectors_tsv, metadata_tsv, message", [
    ("1\t2\n3\t4\n5\t6\n", "a\nb\n",
     "vectors.tsv has 3 rows but metadata.tsv has 2 words; they must match line for line"),
    ("1\t2\n3\t4\n", None, "vectors.tsv holds no words: they belong in metadata.tsv, which is missing"),
    ("1\t2\n3\n", "a\nb\n", "vectors.tsv line 2: expected 2 numbers, found 1"),
    ("1\t2\n3\tx\n", "a\nb\n", "vectors.tsv line 2: value 2 ('x') is not a number"),
    ("1\t2\n3\t4\n", "word\tcount\na\t1\nb\n", "metadata.tsv line 3: expected 2 tab-separated columns"),
    ("1\t2\n3\t4\n", "word\tcount\na\t1\nb\tmany\n",
     "metadata.tsv line 3: the count 'many' is not a whole number"),
    ("1\t2\n3\t4\n", "a\na\n", "metadata.tsv line 2: the word 'a' appears a second time"),
    ("", "a\n", "vectors.tsv is empty: it holds no vectors"),
], ids=["row-count-mismatch", "no-metadata", "ragged", "non-number", "short-metadata-row",
        "bad-count", "duplicate", "empty"])
def test_projector_bad_input(tmp_path, vectors_tsv, metadata_tsv, message):
    path = _projector(tmp_path / "p", vectors_tsv, metadata_tsv)
    with pytest.raises(VectorsFormatError, match=re.escape(message)) as caught:
        read_vectors(path)
    assert "\n" not in str(caught.value)


# -- writing what a format cannot hold, and bad parameters ---------------------------------------
@pytest.mark.parametrize("write, word, message", [
    (write_word2vec, "new york", "word 2 ('new york') contains white space, which the word2vec"),
    (write_glove, "tab\there", "word 2 ('tab\\there') contains white space, which the glove"),
    (write_projector, "line\nbreak", "contains a tab or a line break, which the projector format"),
    (write_word2vec, "", "word 2 ('') is empty, which the word2vec format cannot hold"),
])
def test_writers_refuse_words_the_format_cannot_hold(tmp_path, write, word, message):
    vectors = Vectors(["ok", word], [[1.0], [2.0]])
    with pytest.raises(VectorsFormatError, match=re.escape(message)):
        write(vectors, tmp_path / "out")


def test_projector_words_may_hold_spaces(tmp_path):
    vectors = Vectors(["new york", "los angeles"], [[1.0, 2.0], [3.0, 4.0]], [2, 1])
    path, _ = write_projector(vectors, tmp_path)
    assert_same(read_vectors(path), vectors)


@pytest.mark.parametrize("options, message", [
    ({"fmt": "csv"}, "unknown vectors format 'csv'"),
    ({"max_dim": 0}, "max_dim must be a whole number of at least 1"),
    ({"max_words": -1}, "max_words must be a whole number of at least 1"),
    ({"metadata": "metadata.tsv"}, "a metadata file goes with the projector format only, not glove"),
])
def test_bad_parameters(tmp_path, options, message):
    (tmp_path / "g.txt").write_text("a 1\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=re.escape(message)):
        read_vectors(tmp_path / "g.txt", **options)


@pytest.mark.parametrize("writer", ["word2vec", "word2vec-gz", "glove", "projection-csv"])
def test_a_full_disk_leaves_the_earlier_export_untouched(tmp_path, vectors, monkeypatch, writer):
    """Exports go to a temporary file renamed into place: a write that fails half way (here the disk
    fills after the first rows) leaves the file already there as it was, and no stray part file."""
    import errno

    import embedviz.vectors.writers as formats
    import embedviz.space.projection as projection
    from embedviz.core.errors import EmbedvizError

    name = {"word2vec-gz": "out.txt.gz", "projection-csv": "out.csv"}.get(writer, "out.txt")
    target = tmp_path / name
    target.write_bytes(b"the earlier export\n")

    def fill_the_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if writer == "projection-csv":
        plain = Vectors([f"w{i}" for i in range(6)], np.random.default_rng(0).standard_normal((6, 4)))
        result = projection.project(plain, method="pca", dims=2, trust_k=2)

        class HalfWriter:
            def __init__(self, f):
                self.f, self.rows = f, 0

            def writerow(self, row):
                self.rows += 1
                if self.rows > 2:
                    fill_the_disk()
                self.f.write(",".join(map(str, row)) + "\n")

        monkeypatch.setattr(projection.csv, "writer", HalfWriter)
        with pytest.raises(EmbedvizError, match=r"^the disk is full: writing out.csv failed"):
            result.to_csv(target)
    else:
        real_rows = formats._write_text_rows

        def half(vectors_, out, *args, **kwargs):
            real_rows(vectors_.__class__(vectors_.words[:2], vectors_.matrix[:2], vectors_.counts[:2]),
                      out, *args, **kwargs)
            fill_the_disk()

        monkeypatch.setattr(formats, "_write_text_rows", half)
        write = write_glove if writer == "glove" else write_word2vec
        with pytest.raises(VectorsFormatError, match=rf"^the disk is full: writing {re.escape(name)} failed"):
            write(vectors, target)
    assert target.read_bytes() == b"the earlier export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
