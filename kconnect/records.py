"""Records: the package's frozen (and few mutable) data classes, made cheaply.

`@record` does what `@dataclass(frozen=True)` does for the features kconnect uses, and
`@record(frozen=False)` what `@dataclass` does: an `__init__` with defaults and default factories
(`field(default_factory=...)`, `field(repr=False)`), `__repr__`, `__eq__`, `__hash__` for frozen
records (mutable ones are unhashable, as dataclasses make them), assignment and deletion on a
frozen record raising `FrozenRecordError` (an `AttributeError`), `__match_args__`, a call of
`__post_init__` when the class defines one, and `replace(record, **changes)`.

Why not `dataclasses`: start-up is a feature. `import dataclasses` pulls in inspect, ast, dis and
tokenize (≈ 7 ms), and each dataclass costs ≈ 0.5 ms to create (several exec() calls, and
`inspect.signature` for the docstring of a class without one); a `validate` creates 21 of them,
a `plan` 46. A record compiles only its `__init__` (one exec per class); repr, equality, hashing
and the frozen guards are shared functions reading the class's field names.

What a record does not do, because no record needs it: inherit from another record (refused with
a TypeError), ordering, slots, keyword-only fields, `InitVar`, a docstring made from the
signature. tests/test_records.py holds the behaviour to that of `dataclasses` on the same shapes.

mypy checks records as dataclasses (PEP 681 `dataclass_transform`, imported only for the type
checker, so it costs nothing at run time).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: object) -> Callable[[Any], Any]:
        return lambda function: function


__all__ = ["FrozenRecordError", "field", "record", "replace"]

T = TypeVar("T")
R = TypeVar("R")


class FrozenRecordError(AttributeError):
    """Assignment to, or deletion of, a field of a frozen record."""


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


class _Factory:
    """The `__init__` default of a field made by a factory (shown as dataclasses show it)."""

    def __repr__(self) -> str:
        return "<factory>"


_MISSING: Any = _Missing()
_FACTORY: Any = _Factory()


class _Field:
    __slots__ = ("default", "default_factory", "repr")

    def __init__(self, default: Any, default_factory: Any, repr: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.repr = repr


@overload
def field(*, default: T, repr: bool = ...) -> T: ...
@overload
def field(*, default_factory: Callable[[], T], repr: bool = ...) -> T: ...
@overload
def field(*, repr: bool = ...) -> Any: ...
def field(*, default: Any = _MISSING, default_factory: Any = _MISSING, repr: bool = True) -> Any:
    """A field's options, as `dataclasses.field` takes them: a default, a factory called for
    each new record (a list or dict default would be shared), and whether repr shows it."""
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return _Field(default, default_factory, repr)


@overload
@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T], /) -> type[T]: ...
@overload
@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(*, frozen: bool = True) -> Callable[[type[T]], type[T]]: ...
def record(cls: Any = None, /, *, frozen: bool = True) -> Any:
    """Make `cls` a record: `@record` (frozen) or `@record(frozen=False)`."""
    if cls is None:
        return lambda cls: _make(cls, frozen)
    return _make(cls, frozen)


def _replace(obj: R, /, **changes: Any) -> R:
    """A copy of the record `obj` with the fields named in `changes` changed (through
    `__init__`, so factories are not re-run and `__post_init__` runs again)."""
    names = getattr(obj.__class__, "__record_fields__", None)
    if names is None:
        raise TypeError("replace() should be called on record instances")
    for name in names:
        if name not in changes:
            changes[name] = getattr(obj, name)
    return obj.__class__(**changes)


if TYPE_CHECKING:
    # mypy checks each change against the record's fields for `dataclasses.replace`, and a
    # `dataclass_transform` class is a dataclass to it; at run time, `_replace` does the same.
    from dataclasses import replace
else:
    replace = _replace


def _is_class_var(annotation: object) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    from typing import ClassVar, get_origin

    return annotation is ClassVar or get_origin(annotation) is ClassVar


def _fields(cls: type[Any]) -> list[tuple[str, Any, _Field]]:
    """(name, annotation, options) of each field, in the order the class body declares them."""
    # Not inspect.get_annotations: importing inspect is what records avoid.
    annotations = cls.__dict__.get("__annotations__")  # noqa: RUF063
    if annotations is None:  # lazily evaluated annotations (Python 3.14)
        annotations = getattr(cls, "__annotations__", {})
    fields = []
    for name, annotation in annotations.items():
        if _is_class_var(annotation):
            continue
        value = cls.__dict__.get(name, _MISSING)
        spec = value if isinstance(value, _Field) else _Field(value, _MISSING, True)
        if isinstance(spec.default, (list, dict, set)):
            raise ValueError(
                f"mutable default {type(spec.default)} for field {name} is not allowed: "
                "use default_factory"
            )
        if spec.default is not _MISSING:
            setattr(cls, name, spec.default)  # the class attribute is the default, as dataclasses
        elif value is not _MISSING:
            delattr(cls, name)  # a field(default_factory=...) or field(repr=...) without default
        fields.append((name, annotation, spec))
    return fields


def _init(cls: type[Any], fields: list[tuple[str, Any, _Field]], frozen: bool) -> Any:
    """The record's `__init__`, compiled from source as dataclasses do, in one exec."""
    scope: dict[str, Any] = {"_setattr": object.__setattr__, "_FACTORY": _FACTORY}
    params: list[str] = []
    body: list[str] = []
    defaulted = False
    for name, _annotation, spec in fields:
        value_code = name
        if spec.default is not _MISSING:
            scope[f"_default_{name}"] = spec.default
            params.append(f"{name}=_default_{name}")
        elif spec.default_factory is not _MISSING:
            scope[f"_factory_{name}"] = spec.default_factory
            params.append(f"{name}=_FACTORY")
            value_code = f"_factory_{name}() if {name} is _FACTORY else {name}"
        elif defaulted:
            raise TypeError(f"non-default argument {name!r} follows default argument")
        else:
            params.append(name)
        defaulted = defaulted or params[-1] != name
        if frozen:
            body.append(f"    _setattr(self, {name!r}, {value_code})")
        else:
            body.append(f"    self.{name} = {value_code}")
    if "__post_init__" in cls.__dict__:
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass")
    exec(source, scope)  # our own source, built above from the class's identifiers
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = {name: annotation for name, annotation, _ in fields} | {"return": None}
    return init


def _make(cls: type[T], frozen: bool) -> type[T]:
    for base in cls.__mro__[1:]:
        if "__record_fields__" in base.__dict__:
            raise TypeError(f"{cls.__qualname__}: a record does not inherit from a record")
    fields = _fields(cls)
    names = [name for name, _, _ in fields]
    shown = [name for name, _, spec in fields if spec.repr]
    methods: dict[str, Any] = {
        "__init__": _init(cls, fields, frozen),
        "__repr__": _repr,
        "__eq__": _eq,
        "__match_args__": tuple(names),
    }
    if frozen:
        methods["__setattr__"] = _frozen_setattr
        methods["__delattr__"] = _frozen_delattr
    for attribute, method in methods.items():
        if attribute not in cls.__dict__:
            setattr(cls, attribute, method)
    if cls.__dict__.get("__hash__") is None:
        # A class body defining __eq__ gets __hash__ = None from Python itself; dataclasses
        # then give a frozen record the fields' hash and leave a mutable one unhashable.
        cls.__hash__ = _hash if frozen else None  # type: ignore[assignment]
    cls.__record_fields__ = tuple(names)  # type: ignore[attr-defined]
    # staticmethod: a lambda getter must not bind to the instance it is read from.
    cls.__record_values__ = staticmethod(_getter(names))  # type: ignore[attr-defined]
    cls.__record_shown__ = tuple(shown)  # type: ignore[attr-defined]
    cls.__record_shown_values__ = staticmethod(_getter(shown))  # type: ignore[attr-defined]
    return cls


def _getter(names: list[str]) -> Callable[[object], tuple[Any, ...]]:
    """The named attributes of an object, always as a tuple."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _repr(self: Any) -> str:
    cls = self.__class__
    values = cls.__record_shown_values__(self)
    fields = ", ".join(
        f"{name}={value!r}" for name, value in zip(cls.__record_shown__, values, strict=True)
    )
    return f"{cls.__qualname__}({fields})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        values = self.__record_values__
        return values(self) == values(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__class__.__record_values__(self))


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r}")
