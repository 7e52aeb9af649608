"""One parameter check for every parameter object, and bad-value tests generated from its constraints.

Every field with a constraint gets each of the constraint's own bad values (a bool for a number,
NaN, a value past each bound, an unknown option...), and each must be refused with the one message
format "<field> must be <what>, not <value>". A constraint added to any parameter object is tested
here without a new test.
"""

from __future__ import annotations

import math

import pytest

from embedviz.core.errors import ParameterError
from embedviz.core.params import Flag, ListOf, Number, OneOf, Optional, Text, Whole, check
from embedviz.text.specs import CorpusSpec
from embedviz.training.augment import AugmentOptions
from embedviz.training.classifier import ClassifierParameters
from embedviz.training.gensim import TrainingParameters
from embedviz.training.sgns import SGNSParameters
from embedviz.training.spark import SparkParameters

#: Each parameter object with what it needs to be valid (the classifier needs a label column).
OBJECTS = {
    TrainingParameters: {},
    SGNSParameters: {},
    SparkParameters: {},
    ClassifierParameters: {"label_column": "genre"},
    AugmentOptions: {},
    CorpusSpec: {"paths": ["corpus.csv"]},
}


def _cases():
    for kind, base in OBJECTS.items():
        for name, constraint in kind.constraints().items():
            for bad in constraint.bad_values():
                yield pytest.param(kind, base, name, bad, id=f"{kind.__name__}.{name}={bad!r}"[:80])


@pytest.mark.parametrize("kind, base, name, bad", list(_cases()))
def test_every_bad_value_is_refused_with_the_one_message_format(kind, base, name, bad):
    values = {**base, name: bad}
    with pytest.raises(ParameterError) as caught:
        kind(**values).validate()
    message = str(caught.value)
    assert message.startswith(f"{name} must be ") or message.startswith(f"{name}: "), message
    assert "\n" not in message


@pytest.mark.parametrize("kind", list(OBJECTS))
def test_the_defaults_are_valid_and_round_trip(kind):
    made = kind(**OBJECTS[kind]).validate()
    again = kind.from_dict(made.to_dict() if kind is not SGNSParameters else made.to_dict())
    assert again.validate().to_dict() == made.to_dict()
    assert len(kind.constraints()) >= 4


@pytest.mark.parametrize("kind", list(OBJECTS))
def test_unknown_keys_are_refused(kind):
    with pytest.raises(ParameterError, match=r"^unknown .*'no_such_field'"):
        kind.from_dict({**OBJECTS[kind], "no_such_field": 1})


def test_rules_between_fields():
    with pytest.raises(ParameterError, match="label_column is required"):
        ClassifierParameters().validate()
    with pytest.raises(ParameterError, match="freeze needs init_from"):
        ClassifierParameters(label_column="x", freeze=True).validate()
    with pytest.raises(ParameterError, match="batch_size must be at least 2 with batch norm"):
        ClassifierParameters(label_column="x", batch_norm=True, batch_size=1).validate()
    with pytest.raises(ParameterError, match="min_alpha must be at most alpha"):
        TrainingParameters(alpha=0.01, min_alpha=0.02).validate()
    with pytest.raises(ParameterError, match="synonym needs synonym_model"):
        AugmentOptions(synonym=0.1).validate()


def test_messages_say_what_is_allowed():
    cases = [
        (Whole(1, 10), 0, "n must be a whole number from 1 to 10, not 0"),
        (Whole(2), True, "n must be a whole number of at least 2, not True"),
        (Number(0, 1, high_open=True), 1.0, "n must be a number in [0, 1), not 1.0"),
        (Number(0, low_open=True), float("nan"), "n must be a number in (0, inf), not nan"),
        (OneOf(("pca", "tsne")), "max", "n must be one of 'pca', 'tsne', not 'max'"),
        (Flag(), "yes", "n must be true or false, not 'yes'"),
        (Text(), "", "n must be a text that is not empty, not ''"),
        (ListOf(Text(), least=1), [], "n must be a list of at least 1 items, each a text that is not empty, not []"),
    ]
    for constraint, value, message in cases:
        with pytest.raises(ParameterError) as caught:
            check("n", value, constraint)
        assert str(caught.value) == message


def test_optional_and_settings_bounds(monkeypatch):
    assert check("seed", None, Optional(Whole(0))) is None
    monkeypatch.setenv("EMBEDVIZ_MAX_DIMENSIONS", "50")
    with pytest.raises(ParameterError, match="dim must be a whole number from 1 to 50, not 51"):
        TrainingParameters(dim=51).validate()
    assert OneOf((2, 3)).accepts(__import__("numpy").int64(2)) and not OneOf((1,)).accepts(True)
    assert not Number().accepts(math.inf)


def test_a_nested_constraint_names_the_field():
    with pytest.raises(ParameterError, match=r"^augment: deletion must be a number in \[0, 1\)"):
        ClassifierParameters(label_column="x", augment={"deletion": 2}).validate()
    with pytest.raises(ParameterError, match=r"^init_from: invalid model name '\.\./x'"):
        ClassifierParameters(label_column="x", init_from="../x").validate()
