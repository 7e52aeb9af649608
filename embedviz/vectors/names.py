"""The one rule for model names: what a name may be, a name made from a file's name, a free name.

A name is 1 to 64 letters, digits, ``_``, ``.`` or ``-``, starting with a letter or digit and not
ending with ``.``: it can never reach outside the store (no ``/``, no ``..``, not hidden, no NUL or
newline), and it names the same folder on every system (no Windows device name such as ``CON`` or
``nul.txt``; Windows drops a final dot). Every way a name enters (CLI, pages, uploads, jobs) goes
through :func:`check_name`; every suggested name is made by :func:`name_from` and :func:`free_name`.

>>> name_from("glove.6B.50d.txt")
'glove'
>>> free_name("bard-clf", taken={"bard-clf", "bard-clf-2"})
'bard-clf-3'
"""

from __future__ import annotations

import re
from pathlib import PureWindowsPath
from typing import Iterable

from embedviz.core.errors import StoreError

# \Z, not $: "$" also matches before a final newline, which would let "name\n" through.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
#: Names Windows keeps for devices (with any extension): such a folder cannot be made or copied there.
_RESERVED_PATTERN = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?\Z")
LONGEST = 64


def check_name(name) -> str:
    """Return ``name`` if it is a valid model name, else raise :class:`StoreError`."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or ".." in name or name.endswith("."):
        raise StoreError(f"invalid model name {name!r}: use 1-64 letters, digits, '_', '.' or '-', "
                         "starting with a letter or digit and not ending with '.'")
    if _RESERVED_PATTERN.match(name):
        raise StoreError(f"invalid model name {name!r}: it is a device name on Windows; choose another")
    return name


def name_from(text: str, suffix: str = "", fallback: str = "model") -> str:
    """A valid name made from a file's name (its stem before the first dot) or any text, with
    ``-suffix`` added: ``name_from("data/kjv.csv.gz", "word2vec")`` is ``kjv-word2vec``."""
    stem = PureWindowsPath(str(text)).name.split(".")[0]  # / and \ both end a folder's name
    cleaned = "".join(c if c.isalnum() and c.isascii() or c in "_-" else "-" for c in stem).strip("-_")
    cleaned = re.sub(r"-{2,}", "-", cleaned) or fallback
    if _RESERVED_PATTERN.match(cleaned):
        cleaned = f"{cleaned}-model"
    tail = f"-{suffix}" if suffix else ""
    return cleaned[: LONGEST - len(tail)].rstrip("-_.") + tail


def free_name(base: str, taken: Iterable[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... : the first one not ``taken`` (models in the store and
    names that running jobs will save)."""
    taken = set(taken)
    name, number = base, 2
    while name in taken:
        tail = f"-{number}"
        name, number = base[: LONGEST - len(tail)] + tail, number + 1
    return check_name(name)
