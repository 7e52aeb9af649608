"""Who may do what with a model: owners, sharing, the demo, models without an owner,
administrators; refused actions are one line and change nothing, even replayed by hand."""

import pytest

from embedviz.vectors.access import AccessError, Viewer, can_manage, can_see, check_manage, set_shared, visible_names
from embedviz.vectors.vectors import Vectors

ALICE, BOB, NOBODY = Viewer("alice"), Viewer("bob"), Viewer()


@pytest.fixture
def models(store):
    small = Vectors(["a", "b", "c"], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    store.ensure_demo()
    store.save("private", small, {"owner": "alice", "shared": False})
    store.save("shared", small, {"owner": "alice", "shared": True})
    store.save("cli-made", small, {})
    return store


def test_who_sees_what(models):
    assert visible_names(models, ALICE) == models.names()
    assert set(visible_names(models, BOB)) == {"demo", "shared", "cli-made"}
    assert visible_names(models, NOBODY) == models.names()     # no logins: as before
    assert not can_see("private", models.meta("private"), BOB)


def test_who_manages_what(models, monkeypatch):
    meta = models.meta
    assert can_manage("private", meta("private"), ALICE) and can_manage("shared", meta("shared"), ALICE)
    assert not can_manage("shared", meta("shared"), BOB)
    assert not can_manage("demo", meta("demo"), ALICE) and not can_manage("cli-made", meta("cli-made"), ALICE)
    assert can_manage("demo", meta("demo"), NOBODY)
    monkeypatch.setenv("EMBEDVIZ_ADMINS", "root@example.org, carol")
    for admin in (Viewer("carol"), Viewer("x1", "ROOT@example.org")):
        assert admin.admin and can_manage("demo", meta("demo"), admin) and can_see("private", meta("private"), admin)
    assert not BOB.admin


def test_refused_actions_are_one_line_and_change_nothing(models):
    before = {n: models.meta(n) for n in models.names()}
    with pytest.raises(AccessError, match="you may not delete 'shared': it is another user's model; only its owner may"):
        check_manage(models, "shared", BOB, "delete")
    with pytest.raises(AccessError, match="no model 'private' in the store"):    # private: not even named
        check_manage(models, "private", BOB, "rename")
    with pytest.raises(AccessError, match="it is the bundled demo; only an administrator may"):
        check_manage(models, "demo", ALICE, "delete")
    with pytest.raises(AccessError):
        set_shared(models, "shared", BOB, False)
    assert {n: models.meta(n) for n in models.names()} == before
    set_shared(models, "private", ALICE, True)
    assert models.meta("private")["shared"] is True and can_see("private", models.meta("private"), BOB)


def test_the_models_page_refuses_a_replayed_rename(models, monkeypatch):
    """A click replayed by hand (the rename callback run directly) is checked on the server."""
    from embedviz.ui import models_page

    monkeypatch.setattr(models_page, "viewer", lambda: BOB)
    monkeypatch.setattr(models_page, "store", lambda: models)
    said = {}
    monkeypatch.setattr(models_page, "_say", lambda kind, text: said.update(kind=kind, text=text))
    monkeypatch.setattr(models_page.st, "session_state", {"models_new_name": "stolen"})
    models_page.rename("shared")
    assert said["kind"] == "error" and "only its owner may" in said["text"]
    assert models.exists("shared") and not models.exists("stolen")
    models_page.delete("shared")
    assert models.exists("shared") and "only its owner may" in said["text"]
