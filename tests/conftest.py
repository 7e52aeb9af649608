"""Shared fixtures: the bundled demo vectors, a small real corpus and an empty store."""

import csv
import gzip
from pathlib import Path

import pytest

from embedviz.settings import DATA_DIR
from embedviz.store import Store
from embedviz.vectors import Vectors

DEMO_DIR = DATA_DIR / "demo"


@pytest.fixture(scope="session")
def demo_vectors() -> Vectors:
    return Vectors.load(DEMO_DIR)


@pytest.fixture(scope="session")
def demo_keyed_vectors(demo_vectors):
    return demo_vectors.to_keyed_vectors()


def _kjv_rows(n):
    with gzip.open(DATA_DIR / "kjv.csv.gz", "rt", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return [row for _, row in zip(range(n), reader)]


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """The first 4,000 verses of the KJV (about 110k words) as a CSV file with labels."""
    path = tmp_path_factory.mktemp("corpus") / "genesis.csv"
    rows = _kjv_rows(4000)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def small_text_corpus(tmp_path_factory) -> Path:
    """The same verses as plain text, one paragraph per verse."""
    path = tmp_path_factory.mktemp("corpus") / "genesis.txt"
    path.write_text("\n\n".join(row["text"] for row in _kjv_rows(4000)) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "store")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty store folder that EMBEDVIZ_HOME points to."""
    path = tmp_path / "home"
    monkeypatch.setenv("EMBEDVIZ_HOME", str(path))
    return path
