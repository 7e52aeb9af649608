"""The README and docs/architecture.md stay true: their imports import, their commands exist, the
modules and files they name are there."""

import importlib
import re

import pytest

from embedviz.cli.main import build_parser
from embedviz.core.settings import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (PROJECT_DIR / "docs" / "architecture.md").read_text(encoding="utf-8")
IMPORTS = sorted(set(re.findall(r"^from (embedviz[\w.]*) import ([\w, ]+)$", README + ARCHITECTURE, re.M)))


@pytest.mark.parametrize("module, names", IMPORTS)
def test_documented_imports_import(module, names):
    imported = importlib.import_module(module)
    for name in (n.strip() for n in names.split(",")):
        assert hasattr(imported, name), f"{module} has no {name}"


def test_documented_commands_exist():
    commands = set(re.findall(r"python -m embedviz ([a-z-]+)", README))
    known = set(build_parser()._subparsers._group_actions[0].choices)
    assert commands and commands <= known, commands - known


def test_named_modules_and_files_exist():
    modules = set(re.findall(r"`((?:core|text|vectors|space|training|figures|jobs|cli|ui)/[\w]+\.py)`",
                             ARCHITECTURE))
    dotted = set(re.findall(r"`((?:core|text|vectors|space|training|figures|jobs|cli|ui)\.[a-z_]+)", ARCHITECTURE))
    assert modules and dotted
    for path in modules:
        assert (PROJECT_DIR / "embedviz" / path).is_file(), path
    for name in dotted:
        importlib.import_module(f"embedviz.{name}")
    for link in re.findall(r"\]\(((?:docs|data|benchmarks)/[^)]+)\)", README):
        assert (PROJECT_DIR / link).exists(), link
