"""Shared fixtures: the bundled demo vectors, a small real corpus and an empty store."""

import csv
import os
import random
from pathlib import Path

import pytest
from corpus_support import bundled_rows, write_csv

from embedviz.core.settings import DATA_DIR
from embedviz.vectors.store import Store
from embedviz.vectors.vectors import Vectors

DEMO_DIR = DATA_DIR / "demo"
# No background compilation of UMAP's code in the test process or the servers it starts (a minute
# of both cores each): the test of the warm-up itself turns it back on for its own server.
os.environ["EMBEDVIZ_UMAP_WARM_UP"] = "0"


@pytest.fixture(scope="session")
def demo_vectors() -> Vectors:
    return Vectors.load(DEMO_DIR)


@pytest.fixture(scope="session")
def demo_keyed_vectors(demo_vectors):
    return demo_vectors.to_keyed_vectors()


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """The first 4,000 verses of the KJV (about 110k words) as a CSV file with labels."""
    return write_csv(tmp_path_factory.mktemp("corpus") / "genesis.csv", bundled_rows("kjv", 4000))


@pytest.fixture(scope="session")
def small_text_corpus(tmp_path_factory) -> Path:
    """The same verses as plain text, one paragraph per verse."""
    path = tmp_path_factory.mktemp("corpus") / "genesis.txt"
    path.write_text("\n\n".join(row["text"] for row in bundled_rows("kjv", 4000)) + "\n", encoding="utf-8")
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


# -- corpora and settings shared by the learning-curve, search, classifier and augmentation tests ----
@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    """The first 3,000 verses of the KJV (about 77k words)."""
    return write_csv(tmp_path_factory.mktemp("tiny") / "kjv3000.csv", bundled_rows("kjv", 3000))


@pytest.fixture(scope="session")
def labelled_corpus(tmp_path_factory):
    """300 short synthetic documents of three topics, each told by its own words."""
    rng = random.Random(0)
    topics = {"sport": "ball goal team match score player win run field coach".split(),
              "food": "bread cheese apple soup cook eat taste dinner salt sugar".split(),
              "music": "song sing guitar piano band note melody drum choir tune".split()}
    filler = "the a of and to in is it was with".split()
    path = tmp_path_factory.mktemp("labelled") / "topics.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "topic"])
        for _ in range(300):
            topic = rng.choice(sorted(topics))
            words = [rng.choice(topics[topic]) if rng.random() < 0.5 else rng.choice(filler) for _ in range(12)]
            writer.writerow([" ".join(words), topic])
    return path


@pytest.fixture(scope="module")
def one_torch_thread():
    """torch's default intra-op threads crawl on a loaded 2-core machine (measured ~15x slower): one
    thread for the module that asks, restored afterwards. Module scope, so that it is in place before
    a module's own trained-model fixtures run."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def spark():
    """One SparkSession on local[2] for the whole run (a JVM costs seconds to start); the Spark
    engine's code uses it as a notebook's session would be used. CI installs Java and pyspark:
    without them this fixture fails, it does not skip."""
    from embedviz.training.spark_session import spark_session

    with spark_session("local[2]", "embedviz tests", conf={"spark.sql.shuffle.partitions": "2"}) as session:
        yield session
