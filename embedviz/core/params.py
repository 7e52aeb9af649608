"""One way to check parameters: constraints declared next to each field, one message format.

In the spirit of scikit-learn's ``validate_params``: every parameter object (training, classifier,
skip-gram, augmentation, corpus spec, projection, curve, search) is a dataclass whose fields carry a
constraint, and :class:`Parameters` checks them all in one place, words every refusal alike
("dim must be a whole number from 1 to 10000, not 0") and refuses unknown keys in ``from_dict``.
Rules between fields (``freeze`` needs ``init_from``) go in ``check_together``. Tests of bad values
are generated from the same constraints (:meth:`Constraint.bad_values`), so a new constraint is
tested without a new test.

>>> @dataclass
... class Example(Parameters):
...     dim: int = field(default=100, metadata=rule(Whole(1, 1000)))
>>> Example(dim=0).validate()
Traceback (most recent call last):
embedviz.core.errors.ParameterError: dim must be a whole number from 1 to 1000, not 0
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from numbers import Integral, Real
from typing import Any, Callable, Iterable

from embedviz.core.errors import ParameterError

_KEY = "constraint"


def rule(constraint: "Constraint") -> dict:
    """The ``metadata`` of a dataclass field checked by ``constraint``."""
    return {_KEY: constraint}


class Constraint:
    """What a value must be: :meth:`accepts` it or not, :meth:`describe` in words (after
    "must be"), and a few :meth:`bad_values` that it refuses (for generated tests)."""

    def accepts(self, value) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def bad_values(self) -> list:
        return []

    def check(self, name: str, value) -> None:
        if not self.accepts(value):
            raise ParameterError(f"{name} must be {self.describe()}, not {_shown(value)}")


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_whole(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _same(value, option) -> bool:
    try:
        return bool(value == option) and isinstance(value, bool) == isinstance(option, bool)
    except (TypeError, ValueError):
        return False


def _bound(value):
    """A bound is a number or the name of a setting (read when checked: limits can change)."""
    if isinstance(value, str):
        from embedviz.core.settings import setting

        return setting(value)
    return value


@dataclass(frozen=True)
class Whole(Constraint):
    """A whole number in ``[low, high]`` (``high`` None: no upper bound; a str: a setting's name)."""

    low: int | str
    high: int | str | None = None

    def accepts(self, value) -> bool:
        high = _bound(self.high)
        return _is_whole(value) and _bound(self.low) <= value and (high is None or value <= high)

    def describe(self) -> str:
        high = _bound(self.high)
        if high is None:
            return f"a whole number of at least {_bound(self.low)}"
        return f"a whole number from {_bound(self.low)} to {high}"

    def bad_values(self) -> list:
        high = _bound(self.high)
        return [_bound(self.low) - 1, 1.5, True, "3"] + ([high + 1] if high is not None else [])


@dataclass(frozen=True)
class Number(Constraint):
    """A finite number in an interval; ``low_open`` / ``high_open`` exclude the ends."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def accepts(self, value) -> bool:
        if not _is_number(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)

    def describe(self) -> str:
        if self.low is None and self.high is None:
            return "a finite number"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        return f"a number in {left}{low}, {high}{right}"

    def bad_values(self) -> list:
        out = [float("nan"), float("inf"), True, "0.5"]
        if self.low is not None:
            out.append(self.low if self.low_open else self.low - 1)
        if self.high is not None:
            out.append(self.high if self.high_open else self.high + 1)
        return out


@dataclass(frozen=True)
class Flag(Constraint):
    def accepts(self, value) -> bool:
        return isinstance(value, bool)

    def describe(self) -> str:
        return "true or false"

    def bad_values(self) -> list:
        return [1, "yes", None]


@dataclass(frozen=True)
class OneOf(Constraint):
    options: tuple

    def accepts(self, value) -> bool:
        # 2 and numpy's 2 are the same option; True is not 1, "2" is not 2.
        return any(isinstance(value, type(option)) or (_is_whole(value) and _is_whole(option))
                   for option in self.options if _same(value, option))

    def describe(self) -> str:
        return "one of " + ", ".join(repr(option) for option in self.options)

    def bad_values(self) -> list:
        return ["no-such-option", 3.5]


@dataclass(frozen=True)
class Text(Constraint):
    """A string: not empty (``empty=False``), at most ``longest`` characters."""

    empty: bool = False
    longest: int = 10_000

    def accepts(self, value) -> bool:
        return isinstance(value, str) and (self.empty or bool(value.strip())) and len(value) <= self.longest

    def describe(self) -> str:
        return "a text" if self.empty else "a text that is not empty"

    def bad_values(self) -> list:
        return [3, "x" * (self.longest + 1)] + ([] if self.empty else ["", "   "])


@dataclass(frozen=True)
class Checked(Constraint):
    """A value a function accepts: ``test(value)`` returns True or raises an EmbedvizError whose
    message is used as it is (a model name's rules, a path's...)."""

    test: Callable[[Any], bool]
    words: str
    bad: tuple = ()

    def accepts(self, value) -> bool:
        return bool(self.test(value))

    def describe(self) -> str:
        return self.words

    def check(self, name: str, value) -> None:
        from embedviz.core.errors import EmbedvizError

        try:
            ok = self.test(value)
        except EmbedvizError as exc:
            raise ParameterError(f"{name}: {exc}") from None
        if not ok:
            super().check(name, value)

    def bad_values(self) -> list:
        return list(self.bad)


@dataclass(frozen=True)
class Optional(Constraint):
    """None, or what ``inner`` accepts."""

    inner: Constraint

    def accepts(self, value) -> bool:
        return value is None or self.inner.accepts(value)

    def describe(self) -> str:
        return f"{self.inner.describe()} (or none)"

    def check(self, name: str, value) -> None:
        if value is not None:
            self.inner.check(name, value)

    def bad_values(self) -> list:
        return [v for v in self.inner.bad_values() if v is not None]


@dataclass(frozen=True)
class Nested(Constraint):
    """A dict of another :class:`Parameters` class's fields (or an instance of it)."""

    kind: type

    def accepts(self, value) -> bool:
        return isinstance(value, (dict, self.kind))

    def describe(self) -> str:
        return f"a dict of {self.kind.__name__} fields"

    def check(self, name: str, value) -> None:
        if not self.accepts(value):
            super().check(name, value)
        try:
            (value if isinstance(value, self.kind) else self.kind.from_dict(value)).validate()
        except ParameterError as exc:
            raise ParameterError(f"{name}: {exc}") from None

    def bad_values(self) -> list:
        return [3, "x", {"no_such_field": 1}]


@dataclass(frozen=True)
class ListOf(Constraint):
    """A list (or tuple) whose items ``item`` accepts, at least ``least`` of them."""

    item: Constraint
    least: int = 0

    def accepts(self, value) -> bool:
        return (isinstance(value, (list, tuple)) and len(value) >= self.least
                and all(self.item.accepts(v) for v in value))

    def describe(self) -> str:
        least = f"at least {self.least} " if self.least else ""
        return f"a list of {least}items, each {self.item.describe()}"

    def bad_values(self) -> list:
        return ["x", [self.item.bad_values()[0]]] if self.item.bad_values() else ["x"]


class Parameters:
    """A dataclass of checked fields: :meth:`validate`, :meth:`to_dict`, :meth:`from_dict`.

    Subclasses are ``@dataclass`` classes whose fields have ``metadata=rule(...)``; a field with no
    rule is not checked. ``check_together`` (optional) checks rules between fields after each
    field passed its own.
    """

    #: The word for this object in "unknown ... parameter 'x'".
    WHAT = "parameter"

    def validate(self):
        for f in fields(self):
            constraint = f.metadata.get(_KEY)
            if constraint is not None:
                constraint.check(f.name, getattr(self, f.name))
        self.check_together()
        return self

    def check_together(self) -> None:
        """Rules between fields; raise :class:`ParameterError`."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values):
        if isinstance(values, cls):
            return values
        if not isinstance(values, dict):
            raise ParameterError(f"{cls.WHAT}s must be a dict of fields, not {_shown(values)}")
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ParameterError(f"unknown {cls.WHAT} {unknown[0]!r}")
        return cls(**values)

    @classmethod
    def constraints(cls) -> dict[str, Constraint]:
        """Each checked field's constraint (for generated tests and documentation)."""
        return {f.name: f.metadata[_KEY] for f in fields(cls) if _KEY in f.metadata}


def check(name: str, value, constraint: Constraint):
    """Check one value (a function's argument) with the same rules and words; returns it."""
    constraint.check(name, value)
    return value


def check_all(values: Iterable[tuple[str, Any, Constraint]]) -> None:
    for name, value, constraint in values:
        constraint.check(name, value)


__all__ = ["Checked", "Constraint", "Flag", "ListOf", "Nested", "Number", "OneOf", "Optional", "Parameters",
           "Text", "Whole", "check", "check_all", "field", "rule"]
