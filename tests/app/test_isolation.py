"""Sessions are isolated, and model names cannot reach outside the store.

- Uploads: one owner's files and corpus choice are not listed for, nor openable by, another owner,
  whatever file name is asked for (``../A/x.csv``, hidden files, absolute paths).
- Jobs: each records its owner; one owner's list leaves out the other's running jobs.
- Two AppTest sessions (each gets its own random owner id, as a browser without Streamlit's XSRF
  cookie does): B sees neither A's upload nor A's running training (only that one runs).
- Model names: every name that could reach outside the store, hide a model, or name a device is
  refused by the store (save, load, meta, rename, delete) and by the CLI, and nothing changes.
"""

import pytest
from corpus_support import bundled_rows, write_csv
from streamlit.testing.v1 import AppTest

from embedviz.cli.main import EXIT_REFUSED, main
from embedviz.core.errors import CorpusError, ParameterError, StoreError
from embedviz.jobs.kinds import start_training
from embedviz.jobs.registry import list_jobs
from embedviz.core.settings import PROJECT_DIR
from embedviz.vectors.store import Store
from embedviz.training.gensim import TrainingParameters
from embedviz.ui.corpus_widgets import OWNER_KEY, SPEC_KEY
from embedviz.text.uploads import (check_owner, delete_upload, list_uploads, load_choice, save_choice, save_upload,
                                    upload_path, upload_spec, uploads_dir)
from embedviz.vectors.vectors import Vectors

A, B = "owner-a", "owner-b"
SECRET = b"text\nthe secret notes of owner a\n"
MINE = b"text\nowner b has notes of their own\n"
#: A training that runs for minutes: it is cancelled at the end of each test.
LONG = TrainingParameters(dim=10, epochs=1000, min_count=2, workers=1)


def snapshot(folder):
    """Every file and folder under ``folder`` with its size and modification time."""
    return {str(p.relative_to(folder)): (p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def verses(tmp_path) -> bytes:
    """2,000 verses of the KJV as CSV bytes: enough text for a training that is still running when
    the test looks at it."""
    return write_csv(tmp_path / "verses.csv", bundled_rows("kjv", 2000)).read_bytes()


@pytest.fixture
def no_stray_workers(home):
    yield
    for job in list_jobs(Store(home), active=True):
        job.cancel(grace=1)


# -- uploads -----------------------------------------------------------------------------------------
def test_an_owners_uploads_are_not_listed_or_opened_for_another(home):
    secret = save_upload(A, "secret.csv", SECRET)
    assert [p.name for p in list_uploads(A)] == ["secret.csv"] and list_uploads(B) == []
    for name in ("secret.csv", "../owner-a/secret.csv", "..", ".", "", str(secret), "../../.uploads",
                 ".corpus.json", "secret.csv/", "secret.csv\x00"):
        with pytest.raises(CorpusError) as caught:
            upload_path(B, name)
        assert str(caught.value) == f"no uploaded file named {name!r} in this session"
        with pytest.raises(CorpusError):
            upload_spec(B, name)
        with pytest.raises(CorpusError):
            delete_upload(B, name)
    assert secret.read_bytes() == SECRET

    # B uploading a file named like A's path gets a file of its own, in its own folder.
    mine = save_upload(B, "../owner-a/secret.csv", MINE)
    assert mine == uploads_dir(B) / "secret.csv" and mine.read_bytes() == MINE
    assert secret.read_bytes() == SECRET and [p.name for p in list_uploads(A)] == ["secret.csv"]
    assert upload_spec(B, "secret.csv").paths == [str(mine)]


@pytest.mark.parametrize("owner", ["../owner-a", "owner-a/..", "..", ".", "", "a b", "a\n", "a\x00",
                                   "x" * 65, None, 7])
def test_owner_ids_that_are_not_plain_names_are_refused(home, owner):
    before = snapshot(home) if home.exists() else {}
    with pytest.raises(ParameterError, match="invalid session id"):
        check_owner(owner)
    with pytest.raises(ParameterError):
        save_upload(owner, "x.csv", SECRET)
    with pytest.raises(ParameterError):
        list_uploads(owner)
    assert (snapshot(home) if home.exists() else {}) == before


def test_a_remembered_choice_never_opens_another_owners_file(home):
    secret = save_upload(A, "secret.csv", SECRET)
    mine = save_upload(B, "mine.csv", MINE)
    save_choice(B, upload_spec(B, "mine.csv"))
    assert load_choice(B).paths == [str(mine)]
    # A choice file that names A's upload, directly or through B's folder, is ignored.
    for path in (str(secret), str(uploads_dir(B) / ".." / A / "secret.csv")):
        spec = upload_spec(B, "mine.csv")
        spec.paths = [path]
        save_choice(B, spec)
        assert load_choice(B) is None
    assert load_choice(A) is None  # A never chose anything


# -- jobs ---------------------------------------------------------------------------------------------
def test_an_owners_job_list_leaves_out_other_owners_running_jobs(home, verses, no_stray_workers):
    store = Store(home)
    spec = upload_spec(A, save_upload(A, "verses.csv", verses).name)
    job = start_training(store, spec, LONG, "a-model", owner=A)
    assert job.owner == A and job.status().active
    assert list_jobs(store, owner=A) == [job] and list_jobs(store, owner=B) == []
    assert list_jobs(store, owner=B, active=True) == []
    with pytest.raises(StoreError, match="a job saving a model named 'a-model' is already running"):
        start_training(store, upload_spec(A, "verses.csv"), LONG, "a-model", owner=B)
    with pytest.raises(ParameterError, match="invalid session id"):
        start_training(store, spec, LONG, "other", owner="../owner-a")
    with pytest.raises(StoreError, match="invalid model name"):
        start_training(store, spec, LONG, "../outside", owner=B)
    assert job.cancel(grace=1).state == "cancelled"
    assert not (home.parent / "outside").exists()


# -- two browser sessions -------------------------------------------------------------------------------
def session(page: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.run()  # app.py first: AppTest switches pages only after a run
    return open_page(at, page)


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def everything_shown(at: AppTest) -> str:
    """All the text of the page: Markdown, alerts, metrics, widgets' labels and options, tables."""
    parts = []
    for elements in (at.markdown, at.caption, at.error, at.warning, at.info, at.success, at.title,
                     at.subheader, at.code):
        parts += [e.value for e in elements]
    parts += [str(m.value) for m in at.metric] + [b.label for b in at.button]
    parts += [o for radio in at.radio for o in radio.options]
    parts += [o for box in at.selectbox for o in box.options] + [str(t.value) for t in at.text_input]
    parts += [d.value.to_string() for d in at.dataframe]
    return "\n".join(parts)


def test_a_session_sees_neither_the_uploads_nor_the_running_jobs_of_another(home, verses, no_stray_workers):
    a, b = session("train"), session("train")
    owner_a, owner_b = a.session_state[OWNER_KEY], b.session_state[OWNER_KEY]
    assert owner_a != owner_b and check_owner(owner_a) and check_owner(owner_b)

    # A uploads its corpus and starts a training on it (as its Corpus and Train pages would).
    save_upload(owner_a, "secret-notes.csv", verses)
    job = start_training(Store(home), upload_spec(owner_a, "secret-notes.csv"), LONG, "secret-model", owner_a)
    a.session_state["corpus_source"] = "upload:secret-notes.csv"
    open_page(a, "corpus")
    assert "secret-notes.csv (your upload)" in a.radio(key="corpus_source").options
    assert a.session_state[SPEC_KEY]["paths"] == [str(uploads_dir(owner_a) / "secret-notes.csv")]
    open_page(a, "train")
    assert "secret-model" in everything_shown(a) and a.get("subheader")[0].value == "Your trainings"

    # B has an upload of its own and asks for A's by name (a crafted or stale session value).
    save_upload(owner_b, "mine.csv", MINE)
    b.session_state[SPEC_KEY] = upload_spec(owner_b, "mine.csv").to_dict()
    b.session_state["corpus_source"] = "upload:secret-notes.csv"
    open_page(b, "corpus")
    assert b.radio(key="corpus_source").value == "upload:mine.csv"  # back to B's own corpus
    assert b.radio(key="corpus_source").options[-1] == "mine.csv (your upload)"
    assert "secret" not in everything_shown(b)
    assert b.session_state[SPEC_KEY]["paths"] == [str(uploads_dir(owner_b) / "mine.csv")]

    open_page(b, "train")
    shown = everything_shown(b)
    assert "secret" not in shown  # neither A's model name nor A's corpus
    assert "Other trainings running on this server" in shown
    assert any(c.value.startswith("1 training of other sessions") for c in b.caption)
    assert "Your trainings" not in shown
    assert job.status().active  # all of this while A's training runs
    job.cancel(grace=1)


# -- model names ---------------------------------------------------------------------------------------
BAD_NAMES = ["../x", "../../etc/passwd", "/etc/passwd", "..", ".", ".jobs", ".uploads", ".tmp-x", "a/b",
             "a\\b", "a\x00b", "x\n", "\nx", "x" * 65, "CON", "nul", "nul.txt", "com1", "LPT9.tar", "name.",
             "", " x", "x y", "démo", "x..y", "_x"]


@pytest.fixture
def demo_store(home):
    store = Store(home)
    store.ensure_demo()
    return store


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_store_refuses_names_that_reach_outside_or_hide(demo_store, tmp_path, name):
    vectors = Vectors(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    before = snapshot(tmp_path)
    for call in (lambda: demo_store.save(name, vectors), lambda: demo_store.save(name, vectors, overwrite=True),
                 lambda: demo_store.load(name), lambda: demo_store.meta(name), lambda: demo_store.delete(name),
                 lambda: demo_store.rename("demo", name), lambda: demo_store.rename(name, "demo2"),
                 lambda: demo_store.update_meta(name, note="x"), lambda: demo_store.path(name)):
        with pytest.raises(StoreError) as caught:
            call()
        assert str(caught.value).startswith(f"invalid model name {name!r}: ")
    assert snapshot(tmp_path) == before
    assert demo_store.names() == ["demo"]


def test_windows_device_names_have_their_own_message(demo_store):
    with pytest.raises(StoreError) as caught:
        demo_store.save("aux.json", Vectors(["a"], [[1.0]]))
    assert str(caught.value) == "invalid model name 'aux.json': it is a device name on Windows; choose another"
    assert demo_store.exists("auxiliary") is False  # a name that starts like one is fine


@pytest.mark.parametrize("name", [n for n in BAD_NAMES if not n.startswith("-")])
def test_the_cli_refuses_them_with_one_line_and_changes_nothing(demo_store, tmp_path, capsys, name):
    vectors_file = tmp_path / "small.txt"
    vectors_file.write_text("2 2\nalpha 1 0\nbeta 0 1\n", encoding="utf-8")
    before = snapshot(tmp_path)
    for command in (["info", name], ["delete", name], ["rename", "demo", name], ["rename", name, "demo2"],
                    ["neighbors", name, "king"], ["analogy", name, "king - man"], ["doesnt-match", name, "a", "b"],
                    ["export", name, "--format", "word2vec", "--out", str(tmp_path / "out.txt")],
                    *([["import", str(vectors_file), "--name", name]] if name else [])):  # "": the default name
        code = main(command)
        out, err = capsys.readouterr()
        assert code == EXIT_REFUSED and out == "", (command, out, err)
        assert err.startswith(f"error: invalid model name {name!r}: ") and err.count("\n") == 1, (command, err)
    assert snapshot(tmp_path) == before


# -- the owner id kept across reloads -----------------------------------------------------------
def test_owner_from_streamlits_own_xsrf_cookie():
    # Read against the installed Streamlit's own token writer, so a change of format fails here
    # rather than silently giving every reload a fresh owner.
    from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

    from embedviz.ui.corpus_widgets import owner_from_xsrf

    secret, other = b"0123456789abcdef", b"fedcba9876543210"
    first, again = generate_xsrf_token_string(secret), generate_xsrf_token_string(secret)
    assert first != again  # a new mask on every response...
    assert owner_from_xsrf(first) == owner_from_xsrf(again) == owner_from_xsrf(f'"{again}"')  # ...one owner
    assert owner_from_xsrf(first).startswith("b")
    assert owner_from_xsrf(generate_xsrf_token_string(other)) != owner_from_xsrf(first)
    assert secret.hex() not in owner_from_xsrf(first)  # the secret itself is never the id
    for unknown in (None, "", "1|abc", "3|00|00|1", "2|zz|zz|1", "2|01|0102|1"):
        assert owner_from_xsrf(unknown) is None
