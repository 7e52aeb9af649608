"""Limits and locations, each a setting with a documented default.

Every value can be changed with an environment variable of the same name (README, "Settings").
They protect a shared server from inputs that would exhaust its memory or disk.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_DIR / "data"

#: name -> (default, meaning); the README's table of settings is checked against this by a test.
SETTINGS: dict[str, tuple[object, str]] = {
    "EMBEDVIZ_HOME": (str(DATA_DIR / "store"), "folder of the model store"),
    "EMBEDVIZ_MAX_UPLOAD_MB": (200, "largest corpus or vectors file accepted, in MB"),
    "EMBEDVIZ_MAX_UNCOMPRESSED_MB": (2000, "most a .gz or .zip (corpus or vectors file) may expand to, in MB"),
    "EMBEDVIZ_MAX_EXPANSION": (50, "most times a .gz or .zip member may expand (text deflates 3 to 4 times): beyond, a bomb, "
                               "refused at once"),
    "EMBEDVIZ_MAX_READ_SECONDS": (900, "longest a corpus or vectors file may take to read, in seconds"),
    "EMBEDVIZ_MAX_ARCHIVE_MEMBERS": (10_000, "most files a .zip corpus may hold"),
    "EMBEDVIZ_ADMINS": ("", "with logins: comma-separated subject ids or e-mails of the users who may manage every model"),
    "EMBEDVIZ_MAX_LINE_CHARS": (1_000_000, "longest line read at once: longer plain-text lines are read in "
                                           "pieces, longer table or JSONL rows are refused"),
    "EMBEDVIZ_MAX_VOCABULARY": (2_000_000, "most words an imported vectors file may have"),
    "EMBEDVIZ_MAX_DIMENSIONS": (10_000, "most dimensions a vectors file or a model may have"),
    "EMBEDVIZ_MAP_POINTS": (20_000, "most words a 2D map sends to the browser as points; above, every word is "
                                     "drawn into an image and the 10,000 most frequent are points on it"),
    "EMBEDVIZ_SPARK_MASTERS": ("local[*]", "comma-separated Spark masters the app's Train page offers (e.g. "
                                           "local[*],spark://cluster:7077); the command line takes any"),
    "EMBEDVIZ_UMAP_WARM_UP": (1, "1: compile UMAP's and the map image's numerical code in the background when "
                                 "the app starts, so no first map waits for it; 0: compile on first use"),
}


def setting(name: str):
    """The value of a setting: the environment variable if set, else the default (same type)."""
    default, _ = SETTINGS[name]
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            return default
    return raw


def home() -> Path:
    """The folder of the model store."""
    return Path(setting("EMBEDVIZ_HOME")).expanduser()
