"""Compression bombs cost seconds: a 1.5 MB zip and a 1.5 MB gzip that expand to 1.5 GB of text
are refused in well under 10 s, through the engine, the CLI and a vectors import, with the store
unchanged (before the expansion limit, reading the zip took 3 min 52 s of CPU)."""

import time
import zipfile
import zlib

import pytest

from embedviz.cli.main import main
from embedviz.core.errors import CorpusError, VectorsFormatError
from embedviz.text.corpus import Corpus
from embedviz.vectors.exchange import import_file
from embedviz.vectors.store import Store

CHUNK = b"0" * (16 << 20)
CHUNKS = 94          # 1.58 GB
LIMIT_SECONDS = 10.0


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    archive = folder / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("zeros.txt", "w", force_zip64=True) as f:
            for _ in range(CHUNKS):
                f.write(CHUNK)
    gz = folder / "bomb.txt.gz"
    # A gzip file may hold several members one after the other (gzip and Python read them as one
    # stream): one member of 16 MB of zeros, compressed once and written 94 times, is the same
    # 1.58 GB bomb in 0.1 s instead of 6 s of compressing.
    member = zlib.compressobj(6, zlib.DEFLATED, 31)   # 31: the gzip container
    member = member.compress(CHUNK) + member.flush()
    with open(gz, "wb") as f:
        for _ in range(CHUNKS):
            f.write(member)
    for path in (archive, gz):
        assert path.stat().st_size < 2_000_000
    return {"zip": archive, "gzip": gz}


@pytest.mark.parametrize("kind", ["zip", "gzip"])
def test_a_bomb_is_refused_in_seconds_by_the_engine(bombs, kind):
    started = time.perf_counter()
    with pytest.raises(CorpusError, match="compression bomb") as refused:
        list(Corpus(bombs[kind]))
    seconds = time.perf_counter() - started
    print(f"\n{kind} bomb refused in {seconds:.2f} s: {refused.value}")
    assert seconds < LIMIT_SECONDS and "\n" not in str(refused.value)


@pytest.mark.parametrize("kind", ["zip", "gzip"])
def test_a_bomb_is_refused_in_seconds_by_the_cli(bombs, kind, home, capsys):
    Store(home).ensure_demo()
    before = sorted(p.name for p in home.rglob("*"))
    started = time.perf_counter()
    code = main(["train", str(bombs[kind]), "--name", "boom", "--epochs", "1", "--quiet"])
    seconds = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1 and "compression bomb" in err
    assert seconds < LIMIT_SECONDS, seconds
    assert sorted(p.name for p in home.rglob("*")) == before


def test_a_vectors_bomb_is_refused_in_seconds(bombs, home):
    store = Store(home)
    started = time.perf_counter()
    with pytest.raises(VectorsFormatError) as refused:
        import_file(store, bombs["gzip"], name="boom")
    assert time.perf_counter() - started < LIMIT_SECONDS and "\n" not in str(refused.value)
    assert not store.exists("boom")


def test_a_bomb_is_refused_in_seconds_before_spark_would_inflate_it(bombs, home, capsys):
    """Spark's reader does not go through the limited reader: a local .gz is checked first, so the
    refusal comes before any JVM starts (and the zip is refused as a zip)."""
    started = time.perf_counter()
    code = main(["train", str(bombs["gzip"]), "--engine", "spark", "--master", "local[2]", "--name", "boom"])
    err = capsys.readouterr().err
    assert time.perf_counter() - started < LIMIT_SECONDS
    assert code == 1 and err.count("\n") == 1 and "compression bomb" in err, err
    assert not Store(home).exists("boom")
