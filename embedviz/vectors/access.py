"""Who may do what with a model when the server has logins (Streamlit's ``st.login``).

A model trained or imported by a logged-in user carries its owner in ``meta.json`` (``owner``: the
provider's stable subject id) and whether its owner shares it (``shared``). A user sees their own
models, the shared ones, the bundled demo and models without an owner (made by the command line,
which trusts its user, or before logins were set up); only the owner renames, deletes or changes
the sharing of a model, and only an administrator (``EMBEDVIZ_ADMINS``) manages the demo and the
models without an owner. Without logins (``viewer.user`` is None) everyone may do everything, as
before. The pages ask these functions before they show an action *and* again when it runs, so a
replayed widget value or a hand-made link cannot do more than the buttons offer.

>>> viewer = Viewer("alice")
>>> can_manage("mine", {"owner": "alice"}, viewer), can_see("theirs", {"owner": "bob"}, viewer)
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass

from embedviz.core.errors import EmbedvizError
from embedviz.core.settings import setting
from embedviz.vectors.store import DEMO_NAME, Store

OWNER, SHARED = "owner", "shared"


class AccessError(EmbedvizError):
    """The user may not do this with this model."""


@dataclass(frozen=True)
class Viewer:
    user: str | None = None       # the login's subject id; None: no logins on this server
    email: str | None = None

    @property
    def admin(self) -> bool:
        admins = {a.strip().lower() for a in str(setting("EMBEDVIZ_ADMINS")).split(",") if a.strip()}
        return self.user is not None and bool({self.user.lower(), (self.email or "").lower()} & admins)


def owned_by(user: str | None) -> dict:
    """The ``meta.json`` fields of a model made by ``user`` (nothing without logins)."""
    return {OWNER: user, SHARED: False} if user else {}


def can_see(name: str, meta: dict, viewer: Viewer) -> bool:
    if viewer.user is None or viewer.admin or name == DEMO_NAME:
        return True
    owner = meta.get(OWNER)
    return owner is None or owner == viewer.user or bool(meta.get(SHARED))


def can_manage(name: str, meta: dict, viewer: Viewer) -> bool:
    """Rename, delete, change the sharing."""
    if viewer.user is None or viewer.admin:
        return True
    return name != DEMO_NAME and meta.get(OWNER) is not None and meta.get(OWNER) == viewer.user


def check_manage(store: Store, name: str, viewer: Viewer, action: str) -> None:
    """Raise :class:`AccessError` (one line) unless ``viewer`` may ``action`` model ``name``."""
    meta = store.meta(name)
    if not can_see(name, meta, viewer):
        raise AccessError(f"no model {name!r} in the store")       # a private model stays unknown
    if not can_manage(name, meta, viewer):
        whose = "the bundled demo" if name == DEMO_NAME else (
            "a model without an owner" if meta.get(OWNER) is None else "another user's model")
        raise AccessError(f"you may not {action} {name!r}: it is {whose}; only "
                          + ("an administrator" if meta.get(OWNER) is None or name == DEMO_NAME else "its owner")
                          + " may")


def visible_names(store: Store, viewer: Viewer) -> list[str]:
    """The models ``viewer`` may see, in the store's order."""
    if viewer.user is None:
        return store.names()
    return [n for n in store.names() if can_see(n, store.meta(n), viewer)]


def set_shared(store: Store, name: str, viewer: Viewer, shared: bool) -> None:
    check_manage(store, name, viewer, "change the sharing of")
    store.update_meta(name, **{SHARED: bool(shared)})
