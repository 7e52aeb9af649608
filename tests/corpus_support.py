"""Small real corpora for tests: rows of the bundled CSVs, written out as CSV files."""

from __future__ import annotations

import csv
import gzip
import itertools
from pathlib import Path

from embedviz.core.settings import DATA_DIR


def bundled_rows(name: str, limit: int | None = None, step: int = 1) -> list[dict]:
    """Rows of ``data/<name>.csv.gz`` as dicts: every ``step``-th one, at most ``limit`` of them."""
    with gzip.open(DATA_DIR / f"{name}.csv.gz", "rt", encoding="utf-8", newline="") as f:
        every_step = itertools.islice(csv.DictReader(f), 0, None, step)
        return list(itertools.islice(every_step, limit))


def write_csv(path: str | Path, rows: list[dict]) -> Path:
    """``rows`` as a CSV file with a header; returns ``path``."""
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
