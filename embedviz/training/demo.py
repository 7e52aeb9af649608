"""The bundled ``demo`` model: Word2Vec CBOW on the KJV Bible and Shakespeare (``data/``).

Its vectors ship in ``data/demo/`` (about 4.6 MB), so a new user has the model at once instead of
waiting for training (about 25 s on two cores). ``build_demo()`` reproduces those files exactly:
one worker thread and a fixed seed make gensim deterministic. Its first maps ship too
(``data/demo/projections/``, :data:`DEMO_MAPS`): the Home page's UMAP of the 5,000 most frequent
words is on screen at once instead of after numba's compilation and the fit (30-90 s on two cores
in a new server process), and Explore's default t-SNE and UMAP of the demo come from that cache.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from embedviz.text.corpus import Corpus
from embedviz.core.settings import DATA_DIR
from embedviz.vectors.store import DEMO_SOURCE, META_FILE, PROJECTIONS_DIR, _write_json
from embedviz.training.gensim import TrainingParameters, train

DEMO_CORPORA = [DATA_DIR / "kjv.csv.gz", DATA_DIR / "shakespeare.csv.gz"]
#: The README's recipe: CBOW, 100 dimensions, window 5, min_count 5, 10 epochs; one worker and a
#: fixed seed so that a rebuild gives identical vectors.
DEMO_PARAMETERS = dict(algo="word2vec", sg=False, dim=100, window=5, min_count=5, epochs=10,
                       seed=1, workers=1)


#: The maps that ship with the demo: (method, dims, top words, parameters), all seeded.
DEMO_MAPS = [("umap", 2, 5000, {"seed": 0}), ("tsne", 2, 5000, {"seed": 0}), ("pca", 2, 5000, {"seed": 0})]
HOME_MAP = DEMO_MAPS[0]


def train_demo(progress=None):
    """Train the demo model from the bundled corpora; returns a :class:`TrainingResult`."""
    corpus = Corpus(DEMO_CORPORA, text_column="text")
    return train(corpus, TrainingParameters(**DEMO_PARAMETERS), progress=progress)


def build_demo(target: Path = DEMO_SOURCE, progress=None) -> Path:
    """Retrain the demo model and write its files into ``target`` (replacing what is there)."""
    result = train_demo(progress)
    meta = result.meta()
    meta["description"] = ("Word2Vec CBOW trained on the King James Bible and the works of "
                           "Shakespeare (public domain, see data/README.md)")
    target = Path(target)
    tmp = Path(tempfile.mkdtemp(prefix=".demo-", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the bundled files are for everyone
    result.vectors.save(tmp)
    _write_json(tmp / META_FILE, meta)
    build_maps(result.vectors, tmp / PROJECTIONS_DIR)
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    return target


def build_maps(vectors, folder: Path) -> list[Path]:
    """Compute :data:`DEMO_MAPS` of ``vectors`` into the projection cache ``folder``."""
    from embedviz.space.projection import project

    for method, dims, top, params in DEMO_MAPS:
        project(vectors, method, dims, top, cache_dir=folder, **params)
    return sorted(Path(folder).glob("*.npz"))


def demo_meta() -> dict:
    with open(DEMO_SOURCE / META_FILE, encoding="utf-8") as f:
        return json.load(f)
