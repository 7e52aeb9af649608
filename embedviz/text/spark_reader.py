"""Reading a corpus with Apache Spark: the same documents, sentences and tokens as the local reader,
from files or folders anywhere Spark can read (local paths, ``hdfs://``, ``s3a://``, ...).

Kinds, by the name's ending (a local folder by the files in it):

- plain text (``.txt``, ``.md``, no suffix, and ``.gz`` of these): read in blocks split at blank
  lines, then cut into paragraphs by :func:`embedviz.text.readers.text_paragraphs`, the local
  reader's rule, so a paragraph is one document on either path;
- ``.csv`` / ``.tsv`` (a header row) and ``.jsonl``: one row or record per document, its text
  column or field;
- ``.parquet`` (a file or a folder of part files): one row per document, its text column. Only
  Spark reads Parquet.

Sentences and tokens come from the very functions the local reader uses
(:func:`~embedviz.text.tokenizer.split_sentences`, :func:`~embedviz.text.tokenizer.tokenize`),
run on Spark's Python workers. Every failure is one line (:func:`spark_errors`). pyspark is
imported only when a session is handed in.
"""

from __future__ import annotations

import functools
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from embedviz.core.errors import CorpusError, EmbedvizError, EngineError
from embedviz.core.settings import setting
from embedviz.text.readers import TABLE_DELIMITERS, block_lines, check_expansion, corpus_kind, text_paragraphs
from embedviz.text.tokenizer import TokenizerOptions, split_sentences, tokenize

SPARK_KINDS = ("text", "csv", "tsv", "jsonl", "parquet")
ACCEPTED = ".txt (and a folder of text files), .csv, .tsv, .jsonl (and .gz of each), .parquet"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_PARQUET = (".parquet", ".parq")


def is_uri(path: str) -> bool:
    """Whether ``path`` names a place by a URI (``hdfs://``, ``s3a://``, ``file://``...)."""
    return bool(_SCHEME.match(str(path)))


def local_path(path: str) -> Path | None:
    """The local file or folder ``path`` names (a plain path or a ``file://`` URI), else None."""
    text = str(path)
    if text.startswith("file://"):
        return Path(text[len("file://"):] or "/")
    return None if is_uri(text) else Path(text)


def spark_kind(path: str) -> str:
    """The kind of corpus ``path`` holds (one of :data:`SPARK_KINDS`), from its name, or for a
    local folder from the files in it (Spark reads every file of a folder)."""
    local = local_path(path)
    name = str(path).rstrip("/").lower()
    if name.endswith(_PARQUET):
        return "parquet"
    if local is not None and local.is_dir():
        kinds = {_file_kind(p) for p in local.iterdir() if p.is_file() and not p.name.startswith(("_", "."))}
        if not kinds:
            raise CorpusError(f"{path}: the folder holds no files")
        if len(kinds) > 1:
            raise CorpusError(f"{path}: the folder mixes kinds of files ({', '.join(sorted(kinds))}); "
                              "one kind per folder")
        return kinds.pop()
    return _file_kind(Path(name))


def _file_kind(path: Path) -> str:
    if path.name.lower().endswith(_PARQUET):
        return "parquet"
    kind, _ = corpus_kind(path)
    if kind == "zip":
        raise CorpusError(f"{path.name}: Spark does not read zip archives; unzip it into a folder "
                          "(Spark reads every file of a folder)")
    return kind


@dataclass(frozen=True)
class SparkSource:
    """Where a corpus is and how to read it: paths or URIs, the text column (tables, JSONL,
    Parquet), the tokeniser and the encoding (UTF-8; tables and JSONL may have another)."""

    paths: tuple[str, ...]
    text_column: str | None = None
    tokenizer: TokenizerOptions = field(default_factory=TokenizerOptions)
    encoding: str = "utf-8"

    def kinds(self) -> dict[str, str]:
        """Each path's kind; refuses a local path that is not there and a kind Spark cannot read
        here, before any Spark starts. Checked once per source (a .gz is read through to check it)."""
        return dict(self._kinds)

    @functools.cached_property
    def _kinds(self) -> dict[str, str]:
        if not self.paths:
            raise CorpusError("no corpus file given")
        out = {}
        for path in self.paths:
            local = local_path(path)
            if local is not None and not local.exists():
                raise CorpusError(f"{path}: no such file or folder")
            if local is not None and not os.access(local, os.R_OK):
                raise CorpusError(f"{path}: not readable (permission denied)")
            kind = spark_kind(path)
            if local is not None and local.is_file() and local.name.lower().endswith(".gz"):
                check_expansion(local)  # Spark would inflate a bomb whole: refused here in seconds
            if kind in ("text", "parquet") and self.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
                raise CorpusError(f"{path}: Spark reads {'text files' if kind == 'text' else 'Parquet'} as UTF-8 "
                                  f"only, not {self.encoding}; convert it, or use a CSV or JSONL file")
            out[path] = kind
        return out

    def describe(self) -> dict:
        """What was read and how, for a model's ``meta.json``. Local files the local reader can
        open are described as it describes them (with their fingerprint), so the concordance of
        a model trained with Spark finds its corpus; other places are named by their URIs."""
        from embedviz.text.corpus import Corpus

        if all(local_path(p) is not None and local_path(p).is_file() and spark_kind(p) != "parquet"
               for p in self.paths):
            try:
                return Corpus([local_path(p) for p in self.paths], text_column=self.text_column,
                              tokenizer=self.tokenizer, encoding=self.encoding).describe() | {"reader": "spark"}
            except EmbedvizError:
                pass  # larger than the local reader's limits: described by name only
        return {"uris": list(self.paths), "text_column": self.text_column, "tokenizer": self.tokenizer.to_dict(),
                "encoding": self.encoding, "reader": "spark"}


# -- Spark's side --------------------------------------------------------------------------------
def read_texts(spark, source: SparkSource):
    """A DataFrame of the corpus's texts: ``text`` (string) and ``block`` (True for blocks of a
    plain text, still to be cut into paragraphs)."""
    from pyspark.sql import functions as F

    by_kind: dict[str, list[str]] = {}
    for path, kind in source.kinds().items():
        by_kind.setdefault(kind, []).append(str(path))
    frames = []
    for kind, paths in by_kind.items():
        if kind == "text":
            with spark_errors(", ".join(paths)):
                # Blocks split at an empty line: never inside a paragraph, so Spark may split a big
                # file between tasks; a block holding several paragraphs (\r\n files) is cut later.
                frames.append(spark.read.option("lineSep", "\n\n").text(paths).select(
                    F.col("value").alias("text"), F.lit(True).alias("block")))
            continue
        for path in paths:  # each table with its own header (Spark would read all with the first's)
            with spark_errors(path):
                frames.append(_table(spark, kind, [path], source))
    return functools.reduce(lambda a, b: a.unionByName(b), frames)


def _table(spark, kind: str, paths: list[str], source: SparkSource):
    from pyspark.sql import functions as F

    if kind in ("csv", "tsv"):
        # Python's csv module's dialect: quotes doubled inside quotes, fields may hold newlines.
        frame = spark.read.csv(paths, header=True, sep=TABLE_DELIMITERS["." + kind], multiLine=True,
                               quote='"', escape='"', encoding=source.encoding, mode="FAILFAST")
        what = "column"
    elif kind == "jsonl":
        frame = spark.read.json(paths, primitivesAsString=True, encoding=source.encoding, lineSep="\n",
                                mode="FAILFAST")
        what = "field"
    else:
        frame = spark.read.parquet(*paths)
        what = "column"
    wanted = source.text_column or "text"
    # The local reader strips a header's names (and a byte-order mark): so are they matched here.
    names = {c.strip().lstrip("\ufeff").strip(): c for c in frame.columns}
    if wanted not in names:
        raise CorpusError(f"{Path(paths[0]).name} has no {what} {wanted!r}; its {what}s are: "
                          + ", ".join(list(names)[:30]))
    return frame.select(F.col(f"`{names[wanted]}`").cast("string").alias("text"), F.lit(False).alias("block"))


def _sentences(rows, tokenizer: dict, limit: int) -> Iterator[tuple[list[str]]]:
    """Spark's Python workers: each text's sentences as token lists, by the local reader's rules."""
    options = TokenizerOptions(**tokenizer)
    for text, block in rows:
        if text is None:
            continue
        for document in (text_paragraphs(block_lines(text), limit) if block else (text,)):
            for sentence in split_sentences(document):
                tokens = tokenize(sentence, options)
                if tokens:
                    yield (tokens,)


def read_sentences(spark, source: SparkSource):
    """A DataFrame with one column ``sentence`` (array of tokens): the corpus as the local reader
    would tokenise it (tested on every kind)."""
    from pyspark.sql.types import ArrayType, StringType, StructField, StructType

    texts = read_texts(spark, source).rdd
    cores = spark.sparkContext.defaultParallelism
    if texts.getNumPartitions() < cores:
        # One file read whole (a multi-line table, a .gz) is one task: tokenising it (Python, the
        # slow part) is spread over every core instead, at the cost of a shuffle of its text.
        texts = texts.repartition(cores)
    work = functools.partial(_sentences, tokenizer=source.tokenizer.to_dict(),
                             limit=setting("EMBEDVIZ_MAX_LINE_CHARS"))
    schema = StructType([StructField("sentence", ArrayType(StringType(), containsNull=False), False)])
    return spark.createDataFrame(texts.mapPartitions(work), schema)


# -- errors ----------------------------------------------------------------------------------------
_JAVA_PREFIX = re.compile(r"^(?:[a-z][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error): ")


@contextmanager
def spark_errors(where: str = "the corpus"):
    """Turn what Spark raises (Java exceptions through py4j, analysis errors) into one line:
    a path it cannot read is a :class:`CorpusError`, anything else an :class:`EngineError`."""
    try:
        yield
    except EmbedvizError:
        raise
    except Exception as exc:
        if not type(exc).__module__.startswith(("pyspark", "py4j")):
            raise
        raise spark_error(exc, where) from None


def spark_error(exc: Exception, where: str) -> EmbedvizError:
    text = _first_line(exc)
    lowered = text.lower()
    if "path_not_found" in lowered or "path does not exist" in lowered or "filenotfound" in lowered:
        return CorpusError(f"Spark cannot read {where}: no such file or folder")
    if "no filesystem for scheme" in lowered:
        scheme = re.search(r'scheme "?([\w+.-]+)', text)
        return CorpusError(f"Spark cannot read {where}: it has no file system for "
                           f"{scheme.group(1) + '://' if scheme else 'that scheme'} (add its connector to Spark)")
    if "permission denied" in lowered or "accesscontrolexception" in lowered:
        return CorpusError(f"Spark cannot read {where}: permission denied")
    if "malformed" in lowered or "failed_read_file" in lowered:
        return CorpusError(f"Spark cannot read {where}: a malformed record ({text[:200]})")
    return EngineError(f"Spark failed: {text[:300]}")


def _first_line(exc: Exception) -> str:
    """The exception's first line, and its root cause's where Spark wraps it ("error while
    reading file ...: Malformed records are detected...")."""
    java = getattr(exc, "java_exception", None)
    lines = [_line(str(java.toString()) if java is not None else str(exc))]
    try:
        cause = java.getCause() if java is not None else None
        while cause is not None and cause.getCause() is not None:
            cause = cause.getCause()
        if cause is not None:
            lines.append(_line(str(cause.toString())))
    except Exception:  # the JVM is gone: the first line must do
        pass
    return ": ".join(dict.fromkeys(line for line in lines if line)) or type(exc).__name__


def _line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return _JAVA_PREFIX.sub("", line.strip())
    return ""
