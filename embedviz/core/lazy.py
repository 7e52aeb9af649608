"""Heavy libraries imported on first use, one thread at a time.

scikit-learn, openTSNE and umap-learn are imported only when a projection, a clustering or a
baseline needs them, so the CLI and the app start fast. In the app that first use can come from
several threads at once (a projection's worker, the page script, another session's script, UMAP's
warm-up), and two threads importing a package with circular imports inside it for the first time
can see it half-initialised: a server's first Explore map failed with "cannot import name 'clone'
from partially initialized module 'sklearn.base'" (tests/browser/test_load.py, once in three
runs). :func:`load` takes one lock around such imports.

>>> PCA = load("sklearn.decomposition").PCA
"""

from __future__ import annotations

import importlib
import threading

_LOCK = threading.RLock()


def load(module: str):
    """``importlib.import_module(module)`` under the one lock of first imports."""
    with _LOCK:
        return importlib.import_module(module)
