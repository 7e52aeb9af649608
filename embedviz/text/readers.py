"""The file readers behind :class:`embedviz.text.corpus.Corpus`: plain text, gzip, zip archives,
tables (CSV, TSV) and JSONL, each yielding :class:`Document` objects, streamed rather than loaded
whole. Every problem is a one-line :class:`CorpusError`; compressed content goes through the one
limited reader (:mod:`embedviz.core.limits`).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from embedviz.core.errors import CorpusError
from embedviz.core.limits import RATIO_FROM_BYTES, LimitedReader, bounded_lines, compressed_position
from embedviz.core.settings import setting

TEXT_SUFFIXES = (".txt", ".text", ".md", "")
_DRIVE = re.compile(r"[A-Za-z]:")  # a Windows drive at the start of an archive member's name
TABLE_DELIMITERS = {".csv": ",", ".tsv": "\t"}
KINDS = ("text", "zip", "csv", "tsv", "jsonl")
ACCEPTED = ".txt, .txt.gz, .zip, .csv, .tsv, .jsonl (and .gz of each)"


@dataclass
class Document:
    text: str
    labels: dict[str, str] = field(default_factory=dict)
    source: str = ""      # the name of the file it came from (set by Corpus.documents)


def corpus_kind(path: str | os.PathLike) -> tuple[str, bool]:
    """The kind of corpus file (one of :data:`KINDS`) and whether it is gzip-compressed."""
    name = Path(path).name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    suffix = Path(name).suffix
    if suffix == ".zip" and not gz:
        return "zip", False
    if suffix in TABLE_DELIMITERS:
        return suffix[1:], gz
    if suffix == ".jsonl":
        return "jsonl", gz
    if suffix in TEXT_SUFFIXES or (gz and suffix not in (".zip",)):
        return "text", gz
    raise CorpusError(f"{Path(path).name}: unsupported corpus file type {suffix!r}; use {ACCEPTED}")


# -- readers -------------------------------------------------------------------------------------
def _read_documents(path: Path, text_column, label_columns, encoding) -> Iterator[Document]:
    kind, gz = corpus_kind(path)
    with _reading_errors(path, encoding):
        if kind == "text":
            with _open_text(path, gz, encoding) as f:
                yield from _text_documents(f)
        elif kind == "zip":
            yield from _zip_documents(path, encoding)
        elif kind in ("csv", "tsv"):
            yield from _table_documents(path, gz, encoding, TABLE_DELIMITERS["." + kind],
                                        text_column, label_columns)
        else:
            yield from _jsonl_documents(path, gz, encoding, text_column, label_columns)


@contextmanager
def _reading_errors(path: Path, encoding: str):
    """Turn what the decoders, decompressors and the csv module raise into one-line CorpusErrors."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path.name} is not valid {_encoding_name(encoding)} text (byte {exc.object[exc.start]:#04x}); "
            "re-save it as UTF-8 or choose its encoding (e.g. latin-1)") from None
    except UnicodeError as exc:  # e.g. UTF-16 without a byte-order mark
        raise CorpusError(f"{path.name} is not valid {_encoding_name(encoding)} text ({exc}); "
                          "re-save it as UTF-8 or choose its encoding (e.g. latin-1)") from None
    except (EOFError, gzip.BadGzipFile, zipfile.BadZipFile, zlib.error) as exc:
        raise CorpusError(f"{path.name} is truncated or corrupt: {exc}") from None
    except csv.Error as exc:
        if "field limit" in str(exc):  # a quoted field running over many lines
            limit = setting("EMBEDVIZ_MAX_LINE_CHARS")
            raise CorpusError(f"{path.name} holds a field longer than {limit:,} characters, the limit "
                              "(EMBEDVIZ_MAX_LINE_CHARS); is a quotation mark left open?") from None
        raise CorpusError(f"{path.name} is not a readable table: {exc}") from None


def _no_text(path: Path, text_column) -> str:
    kind, _ = corpus_kind(path)
    if kind in ("csv", "tsv"):
        return (f"{path.name} has no text in its column {text_column or 'text'!r}: "
                "no rows, or only empty cells; choose the column that holds the text")
    if kind == "jsonl":
        return (f"{path.name} has no text in its field {text_column or 'text'!r}: "
                "no records, or only empty values; choose the field that holds the text")
    if kind == "zip":
        return f"{path.name} holds no text: its text files are empty or only white space"
    return f"{path.name} holds no text: it is empty or only white space"


def _encoding_name(encoding: str) -> str:
    return "UTF-8" if encoding == "utf-8-sig" else encoding


def _check_not_binary(path_name: str, head: bytes) -> None:
    if b"\x00" in head:
        raise CorpusError(f"{path_name} looks like a binary file, not text")


def _open_text(path: Path, gz: bool, encoding: str, raw=None, name: str | None = None) -> io.TextIOWrapper:
    """A text stream over a (possibly compressed) file, checked for binary content first."""
    name = name or path.name
    if raw is None:
        raw = gzip.open(path, "rb") if gz else open(path, "rb")
    # Every stream through the one limited reader: its size, its expansion (a gzip's, measured as
    # it is read; a zip member's is checked from the archive's directory before), its read time.
    raw = io.BufferedReader(LimitedReader(raw, name, CorpusError, "text",
                                          compressed=compressed_position(raw) if gz else None),
                            buffer_size=1 << 16)
    try:
        _check_not_binary(name, raw.peek(8192)[:8192])
    except (EOFError, gzip.BadGzipFile, OSError) as exc:
        raw.close()
        raise CorpusError(f"{name} is truncated or corrupt: {exc}") from None
    except CorpusError:
        raw.close()
        raise
    return io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")


def check_expansion(path: Path) -> None:
    """Read a local ``.gz`` through the one limited reader to its end, decoding nothing: a bomb is
    refused after its first megabytes, as the local reader would refuse it. For readers that do
    not go through :func:`_open_text` (Spark's); real text costs a decompression (30 ms for the
    bundled Bible)."""
    with _reading_errors(path, "utf-8"), gzip.open(path, "rb") as raw:
        limited = LimitedReader(raw, path.name, CorpusError, "text", compressed=compressed_position(raw))
        while limited.read(1 << 20):
            pass


def _lines(f) -> Iterator[str]:
    """Lines of a text stream, an enormous line coming in pieces of bounded size."""
    limit = setting("EMBEDVIZ_MAX_LINE_CHARS")
    while True:
        line = f.readline(limit)
        if not line:
            return
        yield line


def _whole_lines(path: Path, f) -> Iterator[str]:
    """Lines of a table or JSON-lines file; a line longer than the limit is refused, not cut,
    since a row cut in pieces would be misread (and reading it whole could fill the memory)."""
    limit = setting("EMBEDVIZ_MAX_LINE_CHARS")

    def refuse(number):
        return CorpusError(f"{path.name} line {number} is longer than {limit:,} characters, the limit "
                           "(EMBEDVIZ_MAX_LINE_CHARS); each line must be shorter")

    for _, line in bounded_lines(f, limit, refuse):
        yield line


def _text_documents(f) -> Iterator[Document]:
    for paragraph in text_paragraphs(_lines(f)):
        yield Document(paragraph)


#: Line ends as Python's universal newlines read them (and Hadoop's line reader): \n, \r\n, \r.
_LINE_END = re.compile(r"\r\n|\r|\n")


def text_paragraphs(lines: Iterable[str], limit: int | None = None) -> Iterator[str]:
    """The documents of a plain text: paragraphs (runs of lines that are not blank), their lines
    stripped and joined by one space; a paragraph longer than ``limit`` characters (default
    EMBEDVIZ_MAX_LINE_CHARS) is cut there. The one rule for the local reader and Spark's
    (:mod:`embedviz.text.spark_reader`), which hands in the lines of a block of text."""
    limit = setting("EMBEDVIZ_MAX_LINE_CHARS") if limit is None else limit
    paragraph: list[str] = []
    size = 0
    for line in lines:
        stripped = line.strip()
        if stripped:
            paragraph.append(stripped)
            size += len(stripped)
        if (not stripped or size >= limit) and paragraph:
            yield " ".join(paragraph)
            paragraph, size = [], 0
    if paragraph:
        yield " ".join(paragraph)


def block_lines(block: str) -> list[str]:
    """The lines of a block of text, split at the line ends the local reader splits at."""
    return _LINE_END.split(block)


def _zip_documents(path: Path, encoding: str) -> Iterator[Document]:
    """The text files of an archive, read from memory: nothing is ever extracted to disk."""
    if not zipfile.is_zipfile(path):
        raise CorpusError(f"{path.name} is not a valid zip archive")
    with zipfile.ZipFile(path) as archive:
        most = setting("EMBEDVIZ_MAX_ARCHIVE_MEMBERS")
        if len(archive.infolist()) > most:
            raise CorpusError(f"{path.name} holds {len(archive.infolist()):,} files, more than the limit of "
                              f"{most:,} (EMBEDVIZ_MAX_ARCHIVE_MEMBERS)")
        members = [m for m in archive.infolist() if _is_text_member(path, m)]
        if not members:
            raise CorpusError(f"{path.name} holds no text files (.txt, .text or .md)")
        total = sum(m.file_size for m in members)
        limit_mb = setting("EMBEDVIZ_MAX_UNCOMPRESSED_MB")
        if total > limit_mb * 1024 * 1024:
            raise CorpusError(f"{path.name} expands to {total / 2**20:.0f} MB of text, more than the "
                              f"limit of {limit_mb} MB (EMBEDVIZ_MAX_UNCOMPRESSED_MB)")
        ratio = setting("EMBEDVIZ_MAX_EXPANSION")
        for member in members:
            if member.file_size > RATIO_FROM_BYTES and member.file_size > ratio * max(member.compress_size, 1):
                raise CorpusError(f"{path.name}: {member.filename!r} expands {member.file_size / max(member.compress_size, 1):,.0f} "
                                  f"times ({member.compress_size / 2**20:.1f} MB to {member.file_size / 2**20:,.0f} MB): "
                                  f"no text does (a compression bomb?); refused unread (EMBEDVIZ_MAX_EXPANSION)")
        for member in sorted(members, key=lambda m: m.filename):
            try:
                raw = archive.open(member)
            except (RuntimeError, NotImplementedError) as exc:  # encrypted, or an unknown compression
                raise CorpusError(f"{path.name}: cannot read {member.filename!r} ({exc}); "
                                  "re-create the archive without a password, with plain deflate") from None
            with raw, _open_text(Path(member.filename), False, encoding, raw=raw,
                                 name=f"{member.filename} in {path.name}") as f:
                yield from _text_documents(f)


def _is_text_member(path: Path, member: zipfile.ZipInfo) -> bool:
    # Members are only ever read into memory, but an archive naming a path outside its folder
    # (absolute, a drive, or climbing with '..', with either kind of slash) is refused outright.
    name = member.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or _DRIVE.match(name):
        raise CorpusError(f"{path.name}: the archive member {name!r} points outside its folder; "
                          "refusing the archive")
    if member.is_dir() or name.startswith("__MACOSX/") or parts[-1].startswith("."):
        return False
    return Path(parts[-1]).suffix.lower() in (".txt", ".text", ".md")


def _table_rows(path: Path, f, delimiter: str):
    """A csv reader over the lines of a table, none longer than EMBEDVIZ_MAX_LINE_CHARS."""
    csv.field_size_limit(setting("EMBEDVIZ_MAX_LINE_CHARS"))
    return csv.reader(_whole_lines(path, f), delimiter=delimiter)


def _header(path: Path, reader) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise CorpusError(f"{path.name} is empty") from None
    return [h.strip() for h in header]


def _check_columns(path: Path, available: list[str], text_column, label_columns, what="column") -> str:
    text_column = text_column or "text"
    missing = [c for c in [text_column, *label_columns] if c not in available]
    if missing:
        raise CorpusError(f"{path.name} has no {what} {missing[0]!r}; its {what}s are: "
                          + ", ".join(available[:30]))
    return text_column


def _table_documents(path, gz, encoding, delimiter, text_column, label_columns) -> Iterator[Document]:
    with _open_text(path, gz, encoding) as f:
        reader = _table_rows(path, f, delimiter)
        header = _header(path, reader)
        text_column = _check_columns(path, header, text_column, label_columns)
        text_at = header.index(text_column)
        label_at = [(c, header.index(c)) for c in label_columns]
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise CorpusError(f"{path.name} line {reader.line_num}: the row has {len(row)} fields "
                                  f"but the header has {len(header)}")
            yield Document(row[text_at], {c: row[i] for c, i in label_at})


def _jsonl_records(path, gz, encoding) -> Iterator[dict]:
    with _open_text(path, gz, encoding) as f:
        for number, line in enumerate(_whole_lines(path, f), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
                raise CorpusError(f"{path.name} line {number}: not a JSON object "
                                  "(each line of a .jsonl file must be one)") from None
            if not isinstance(record, dict):
                raise CorpusError(f"{path.name} line {number}: expected a JSON object, found "
                                  f"{type(record).__name__}")
            yield record


def _jsonl_documents(path, gz, encoding, text_column, label_columns) -> Iterator[Document]:
    checked = False
    for record in _jsonl_records(path, gz, encoding):
        if not checked:
            text_column = _check_columns(path, list(record), text_column, label_columns, what="field")
            checked = True
        text = record.get(text_column)
        if text is None:
            continue
        yield Document(str(text), {c: "" if record.get(c) is None else str(record.get(c))
                                   for c in label_columns})
