"""`@record` behaves as `@dataclass` on every shape the package uses, so it cannot drift.

Each test builds the same class body twice, once with `kconnect.records` and once with
`dataclasses` (the reference), and compares what a user of the class sees: the `__init__`
signature, defaults, factories, repr, equality, hashing, the frozen guards, `replace`,
`__match_args__` and `__post_init__`. mypy must check records as it checks dataclasses: the
last test runs it on a small user of each feature.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest

from kconnect import records
from kconnect.records import FrozenRecordError, record
from tests.conftest import package_imports_of

# (decorator, field function, replace function) of each implementation, frozen and mutable.
RECORD_FROZEN = (record, records.field, records.replace)
DATACLASS_FROZEN = (dataclasses.dataclass(frozen=True), dataclasses.field, dataclasses.replace)
RECORD_MUTABLE = (record(frozen=False), records.field, records.replace)
DATACLASS_MUTABLE = (dataclasses.dataclass, dataclasses.field, dataclasses.replace)
PAIRS = {
    "frozen": (RECORD_FROZEN, DATACLASS_FROZEN),
    "mutable": (RECORD_MUTABLE, DATACLASS_MUTABLE),
}

Kind = tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]


def _shape(kind: Kind) -> Any:
    """The package's common shape: required fields, a plain default, factories, repr=False."""
    decorate, field, _ = kind

    class Shape:
        """A connector-like thing."""

        name: str
        count: int = 0
        tags: list[str] = field(default_factory=list)
        secret: str | None = field(default=None, repr=False)
        extra: dict[str, int] = field(default_factory=dict, repr=False)
        limit: float = field(default=1.5)
        kind: ClassVar[str] = "shape"  # not a field

        def label(self) -> str:
            return f"{self.name}#{self.count}"

    return decorate(Shape)


def _hashable(kind: Kind) -> Any:
    decorate, _, _ = kind

    class Key:
        name: str
        parts: tuple[str, ...] = ()
        weight: float | None = None

    return decorate(Key)


def _empty(kind: Kind) -> Any:
    decorate, _, _ = kind

    class Empty:
        pass

    return decorate(Empty)


def _one(kind: Kind) -> Any:
    decorate, field, _ = kind

    class One:
        value: int = field(default=3, repr=True)

    return decorate(One)


def _with_post_init(kind: Kind) -> Any:
    decorate, _, _ = kind

    class Timed:
        limit: float
        started: float = 0.0

        def __post_init__(self) -> None:
            # As api.transport.Attempt: a record completing itself (by object's __setattr__,
            # which a frozen one needs).
            object.__setattr__(self, "started", self.limit * 2)

    return decorate(Timed)


def _pairs(*kinds: str) -> list[Any]:
    return [pytest.param(*PAIRS[k], id=k) for k in kinds]


BOTH = _pairs("frozen", "mutable")


@pytest.mark.parametrize(("ours", "theirs"), BOTH)
@pytest.mark.parametrize("make", [_shape, _hashable, _empty, _one, _with_post_init])
def test_init_signature_and_match_args_are_the_dataclass_ones(
    ours: Kind, theirs: Kind, make: Callable[[Kind], Any]
) -> None:
    mine, reference = make(ours), make(theirs)
    assert str(inspect.signature(mine)) == str(inspect.signature(reference))
    assert str(inspect.signature(mine.__init__)) == str(inspect.signature(reference.__init__))
    assert mine.__init__.__qualname__ == reference.__init__.__qualname__
    assert mine.__match_args__ == reference.__match_args__
    assert mine.__qualname__ == reference.__qualname__


@pytest.mark.parametrize(("ours", "theirs"), BOTH)
def test_defaults_factories_and_class_attributes(ours: Kind, theirs: Kind) -> None:
    mine, reference = _shape(ours), _shape(theirs)
    for cls in (mine, reference):
        first, second = cls("a"), cls("b")
        assert (first.count, first.secret, first.limit, first.tags, first.extra) == (
            0,
            None,
            1.5,
            [],
            {},
        )
        assert first.tags is not second.tags  # a factory per record, never a shared list
        assert first.extra is not second.extra
        given = ["x"]
        assert cls("c", tags=given).tags is given  # a value given is kept, not the factory's
        assert first.label() == "a#0"
    for name in ("count", "secret", "limit", "tags", "extra", "kind", "name"):
        assert hasattr(mine, name) == hasattr(reference, name), name
        if hasattr(reference, name):
            assert getattr(mine, name) == getattr(reference, name), name


@pytest.mark.parametrize(("ours", "theirs"), BOTH)
def test_wrong_calls_fail_as_a_dataclass_does(ours: Kind, theirs: Kind) -> None:
    for call in (
        lambda cls: cls(),
        lambda cls: cls("a", nope=1),
        lambda cls: cls("a", 1, [], None, {}, 2.0, "too many"),
    ):
        with pytest.raises(TypeError) as expected:
            call(_shape(theirs))
        with pytest.raises(TypeError) as got:
            call(_shape(ours))
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(("ours", "theirs"), BOTH)
def test_repr_and_equality(ours: Kind, theirs: Kind) -> None:
    mine, reference = _shape(ours), _shape(theirs)
    args: dict[str, Any] = {"name": "a", "count": 2, "tags": ["t"], "secret": "s3cret"}
    assert repr(mine(**args)) == repr(reference(**args))
    assert "s3cret" not in repr(mine(**args))
    assert repr(_empty(ours)()) == repr(_empty(theirs)())
    assert repr(_one(ours)()) == repr(_one(theirs)())
    assert mine(**args) == mine(**args)
    assert mine(**args) != mine(**{**args, "secret": "other"})  # repr=False still compares
    assert mine(**args) != reference(**args)  # another class is never equal
    assert mine(**args).__eq__(("a", 2)) is NotImplemented
    empty, one = _empty(ours), _one(ours)  # no field, one field: getters of their own
    assert empty() == empty()
    assert one() == one(3) != one(4)


def test_frozen_records_hash_as_dataclasses_and_mutable_ones_are_unhashable() -> None:
    mine, reference = _hashable(RECORD_FROZEN), _hashable(DATACLASS_FROZEN)
    assert hash(mine("a", ("b",), 1.0)) == hash(reference("a", ("b",), 1.0))
    assert hash(mine("a")) == hash(mine("a"))
    assert len({mine("a"), mine("a"), mine("b")}) == 2
    with pytest.raises(TypeError):
        hash(_shape(RECORD_FROZEN)("a"))  # a list field: unhashable, as a dataclass
    assert _hashable(RECORD_MUTABLE).__hash__ is None
    assert _hashable(DATACLASS_MUTABLE).__hash__ is None


def test_a_frozen_record_refuses_assignment_and_deletion_as_a_dataclass() -> None:
    mine, reference = _shape(RECORD_FROZEN)("a"), _shape(DATACLASS_FROZEN)("a")
    for change in (
        lambda r: setattr(r, "name", "b"),
        lambda r: setattr(r, "unknown", 1),
        lambda r: delattr(r, "count"),
    ):
        with pytest.raises(AttributeError) as expected:
            change(reference)
        with pytest.raises(FrozenRecordError) as got:
            change(mine)
        assert str(got.value) == str(expected.value)
    assert mine.name == "a"


def test_a_mutable_record_takes_assignment() -> None:
    mine = _shape(RECORD_MUTABLE)("a")
    mine.count = 5
    mine.tags.append("t")
    assert repr(mine) == repr(_shape(DATACLASS_MUTABLE)("a", 5, ["t"]))


@pytest.mark.parametrize(("ours", "theirs"), BOTH)
def test_replace(ours: Kind, theirs: Kind) -> None:
    for kind in (ours, theirs):
        cls, replace = _shape(kind), kind[2]
        original = cls("a", tags=["t"], secret="s")
        changed = replace(original, count=3)
        assert (changed.name, changed.count, changed.secret) == ("a", 3, "s")
        assert changed.tags is original.tags  # replace passes fields on; factories do not re-run
        assert original.count == 0
        assert replace(original) == original
        with pytest.raises(TypeError, match="nope"):
            replace(original, nope=1)
    with pytest.raises(TypeError, match="replace\\(\\) should be called on record instances"):
        records.replace(_shape(theirs)("a"))


@pytest.mark.parametrize(("ours", "theirs"), BOTH)
def test_post_init_runs_on_creation_and_on_replace(ours: Kind, theirs: Kind) -> None:
    for kind in (ours, theirs):
        timed = _with_post_init(kind)(2.0)
        assert timed.started == 4.0
        assert kind[2](timed, limit=3.0).started == 6.0


@pytest.mark.parametrize(("ours", "theirs"), BOTH)
def test_pattern_matching(ours: Kind, theirs: Kind) -> None:
    for kind in (ours, theirs):
        shape = _shape(kind)
        match shape("a", 2):
            case shape(name, count, tags):  # positional: __match_args__
                assert (name, count, tags) == ("a", 2, [])
            case _:  # pragma: no cover
                raise AssertionError("no match")
        key = _hashable(kind)
        match key("k", ("p",)):
            case key(name, parts):  # positional: __match_args__
                assert (name, parts) == ("k", ("p",))
            case _:  # pragma: no cover
                raise AssertionError("no match")


@pytest.mark.parametrize(("ours", "theirs"), BOTH)
def test_methods_the_class_defines_are_kept(ours: Kind, theirs: Kind) -> None:
    for kind in (ours, theirs):
        decorate = kind[0]

        class Own:  # noqa: PLW1641 - the decorator decides the hash
            a: int

            def __repr__(self) -> str:
                return "own"

            def __eq__(self, other: object) -> bool:
                return True

        made = decorate(Own)
        assert repr(made(1)) == "own"
        assert made(1) == made(2)
        if kind in (RECORD_FROZEN, DATACLASS_FROZEN):
            assert hash(made(1)) == hash((1,))  # __eq__ alone: the fields' hash is added
        else:
            assert made.__hash__ is None


@pytest.mark.parametrize(("ours", "theirs"), BOTH)
def test_bad_class_bodies_are_refused_as_dataclasses_refuse_them(ours: Kind, theirs: Kind) -> None:
    def out_of_order(kind: Kind) -> Any:
        class Late:
            a: int = 0
            b: int

        return kind[0](Late)

    def shared_default(kind: Kind) -> Any:
        class Shared:
            a: list[int] = []  # noqa: RUF012

        return kind[0](Shared)

    def both_defaults(kind: Kind) -> Any:
        class Both:
            a: list[int] = kind[1](default=(), default_factory=list)

        return kind[0](Both)

    for make, error in ((out_of_order, TypeError), (shared_default, ValueError)):
        with pytest.raises(error) as expected:
            make(theirs)
        with pytest.raises(error) as got:
            make(ours)
        assert str(got.value) == str(expected.value)
    with pytest.raises(ValueError, match="cannot specify both default and default_factory"):
        both_defaults(ours)


@record
class Pickled:  # module level, as pickle finds a class by its name
    name: str
    parts: tuple[str, ...] = ()


@record(frozen=False)
class PickledMutable:
    tags: list[str] = records.field(default_factory=list)


def test_copy_and_pickle_give_equal_records() -> None:
    # As for a dataclass without slots: object's reduce, the fields restored into __dict__
    # (a frozen record's __setattr__ is not called).
    frozen, mutable = Pickled("a", ("b",)), PickledMutable(["t"])
    for record_ in (frozen, mutable):
        for twin in (
            copy.copy(record_),
            copy.deepcopy(record_),
            pickle.loads(pickle.dumps(record_)),
        ):
            assert twin == record_ and twin is not record_
    assert copy.deepcopy(mutable).tags is not mutable.tags
    assert copy.copy(mutable).tags is mutable.tags


def test_a_record_does_not_inherit_from_a_record() -> None:
    # No record of the package inherits; refusing keeps a half-supported case from drifting.
    base = _hashable(RECORD_FROZEN)
    with pytest.raises(TypeError, match="a record does not inherit from a record"):

        @record
        class Derived(base):  # type: ignore[misc, valid-type]
            extra: int = 0


def test_the_package_uses_records_only_and_importing_them_costs_no_dataclasses() -> None:
    assert package_imports_of("dataclasses") == []
    probe = (
        "import sys, kconnect.records; print(sorted({'dataclasses', 'inspect'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_mypy_checks_a_record_as_a_dataclass(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    user = tmp_path / "user.py"
    user.write_text(
        textwrap.dedent(
            """\
            from __future__ import annotations

            from kconnect.records import field, record, replace


            @record
            class Frozen:
                name: str
                tags: list[str] = field(default_factory=list)
                secret: str | None = field(default=None, repr=False)


            @record(frozen=False)
            class Mutable:
                count: int = 0


            frozen = Frozen("a")
            frozen.name = "b"
            Frozen(1)
            Frozen()
            Frozen("a", tags="not a list")
            mutable = Mutable()
            mutable.count = 2
            mutable.count = "two"
            reveal_type(replace(frozen, name="c"))
            replace(frozen, name=2)
            replace(frozen, nope=1)
            reveal_type(Frozen.__match_args__)
            reveal_type(frozen.secret)
            """
        )
    )
    out, _err, _code = api.run(
        [
            "--python-version",
            "3.10",
            "--no-incremental",
            "--follow-imports=silent",
            "--hide-error-context",
            "--no-error-summary",
            str(user),
        ]
    )
    found = [line.split(": ", 1)[1] for line in out.splitlines()]
    assert found == [
        'error: Property "name" defined in "Frozen" is read-only  [misc]',
        'error: Argument 1 to "Frozen" has incompatible type "int"; expected "str"  [arg-type]',
        'error: Missing positional argument "name" in call to "Frozen"  [call-arg]',
        'error: Argument "tags" to "Frozen" has incompatible type "str"; '
        'expected "list[str]"  [arg-type]',
        'error: Incompatible types in assignment (expression has type "str", '
        'variable has type "int")  [assignment]',
        'note: Revealed type is "user.Frozen"',
        'error: Argument "name" to "replace" of "Frozen" has incompatible type "int"; '
        'expected "str"  [arg-type]',
        'error: Unexpected keyword argument "nope" for "replace" of "Frozen"  [call-arg]',
        "note: Revealed type is \"tuple[Literal['name'], Literal['tags'], Literal['secret']]\"",
        'note: Revealed type is "str | None"',
    ]
