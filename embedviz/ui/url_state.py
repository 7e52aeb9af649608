"""Views you can share: what a user chose on a page lives in the URL's query string.

The widgets themselves are bound to the URL (Streamlit's ``bind="query-params"``: the key is the
parameter's name, a changed widget rewrites the URL, a link opens the page with those values, a
value equal to the default is left out). What Streamlit does not do is say so when a link's value
cannot be used: it silently shows the default. :func:`check_link` names such a value once, checked
with the same constraints as everything else (:mod:`embedviz.core.params`); the page declares
them beside its widgets.

The sidebar's model is not a page's widget: :func:`restore_model` reads ``?model=`` when a session
starts and :func:`publish_model` writes it on every run (a page switch clears the query string).
"""

from __future__ import annotations

import streamlit as st

from embedviz.core.errors import ParameterError
from embedviz.core.params import Constraint, Flag, Number, OneOf, Optional, Whole, check

MODEL = "model"
#: Session key: the pages whose URL values were applied in this session.
APPLIED = "url_state_applied"
# how Streamlit writes a bound checkbox or toggle
TRUE, FALSE = ("true",), ("false",)


def parse(text: str, rule: Constraint, name: str):
    """A URL value as the widget's value, checked by ``rule`` (ParameterError, one line, if not)."""
    inner = rule.inner if isinstance(rule, Optional) else rule
    value: object = text
    try:
        if isinstance(inner, Flag):
            if text not in TRUE + FALSE:
                raise ValueError
            value = text in TRUE
        elif isinstance(inner, Whole):
            value = int(text)
        elif isinstance(inner, Number):
            value = float(text)
        elif isinstance(inner, OneOf):   # a selectbox or radio writes the option as it is shown
            matches = [o for o in inner.options if str(o) == text]
            value = matches[0] if matches else text
    except ValueError:
        raise ParameterError(f"{name} must be {inner.describe()}, not {text[:60]!r}") from None
    return check(name, value, rule)


def check_link(page: str, rules: dict) -> None:
    """On ``page``'s first run in this session, name (in one message) every value of the URL that
    its widget cannot take: ``rules`` maps a bound widget's key to its constraint."""
    applied = st.session_state.setdefault(APPLIED, set())
    if page in applied:
        return
    applied.add(page)
    refused = []
    for key, rule in rules.items():
        text = st.query_params.get(key)
        if text is None or text == "":
            continue
        try:
            parse(text, rule, key)
        except ParameterError as exc:
            refused.append(str(exc))
    if refused:
        st.warning("This link's " + "; ".join(refused) + ": the default is shown instead.", icon=":material/link_off:")


def publish_model(name: str | None) -> None:
    """The active model as the URL's ``model`` (kept beside the page's bound widgets)."""
    if name and st.query_params.get(MODEL) != name:
        st.query_params[MODEL] = name


def restore_model(names: list[str]) -> str | None:
    """The model the URL names, if the store has it; else None, with a message for a stale link."""
    wanted = st.query_params.get(MODEL)
    if wanted is None:
        return None
    if wanted in names:
        return wanted
    st.warning(f"This link's model {wanted[:60]!r} is not in the store (deleted or renamed?): showing "
               "another model instead.", icon=":material/link_off:")
    return None
