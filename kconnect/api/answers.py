"""Reading the worker's answers: error messages from error bodies, and the shape every
successful answer the client uses must have."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx


def error_message(response: httpx.Response) -> str:
    """The worker's `message`, or a short form of a non-JSON (Jetty HTML) error body."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        if "<title>" in text:
            text = text.split("<title>", 1)[1].split("</title>", 1)[0]
        return text[:300] or response.reason_phrase
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return str(body)[:300]


# -- shapes of successful answers ------------------------------------------------------------
#
# A 2xx whose JSON is not what the endpoint returns (a proxy's page, a different service on
# the port, a broken worker) must end in a clear error naming the endpoint, never in an
# AttributeError deep in plan or status, nor in an empty "UNKNOWN" connector. A shape is a
# function that returns None when the value fits, or a description of what was expected.

Shape = Callable[[Any, str], "str | None"]


def describe(value: Any) -> str:
    """What a value is, without its content (answers can carry configs, hence secrets)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _at(where: str, key: str | int) -> str:
    return f"{where}[{key!r}]" if where else f"[{key!r}]"


def obj(**fields: tuple[Shape, bool]) -> Shape:
    """An object; `fields` maps a key to (its shape, whether it is required)."""

    def check(value: Any, where: str) -> str | None:
        if not isinstance(value, dict):
            return f"{where or 'the answer'} to be an object, got {describe(value)}"
        for key, (shape, required) in fields.items():
            if key not in value:
                if required:
                    return f"{where or 'the answer'} to have {key!r}"
                continue
            if (problem := shape(value[key], _at(where, key))) is not None:
                return problem
        return None

    return check


def mapping(values: Shape) -> Shape:
    """An object whose every value has the shape `values`."""

    def check(value: Any, where: str) -> str | None:
        if not isinstance(value, dict):
            return f"{where or 'the answer'} to be an object, got {describe(value)}"
        for key, item in value.items():
            if (problem := values(item, _at(where, key))) is not None:
                return problem
        return None

    return check


def array(items: Shape) -> Shape:
    def check(value: Any, where: str) -> str | None:
        if not isinstance(value, list):
            return f"{where or 'the answer'} to be a list, got {describe(value)}"
        for i, item in enumerate(value):
            if (problem := items(item, _at(where, i))) is not None:
                return problem
        return None

    return check


def scalar(*types: type) -> Shape:
    names = {str: "a string", int: "a number", float: "a number", bool: "a boolean"}

    def check(value: Any, where: str) -> str | None:
        if value is None or (isinstance(value, types) and not isinstance(value, bool)):
            return None
        if bool in types and isinstance(value, bool):
            return None
        wanted = " or ".join(dict.fromkeys(names.get(t, t.__name__) for t in types))
        return f"{where} to be {wanted}, got {describe(value)}"

    return check


def list_or_object(as_list: Shape, as_object: Shape) -> Shape:
    def check(value: Any, where: str) -> str | None:
        if isinstance(value, list):
            return as_list(value, where)
        if isinstance(value, dict):
            return as_object(value, where)
        return f"{where or 'the answer'} to be a list or an object, got {describe(value)}"

    return check


def nothing_or(shape: Shape) -> Shape:
    def check(value: Any, where: str) -> str | None:
        return None if value is None else shape(value, where)

    return check


ANY: Shape = lambda value, where: None  # noqa: E731
TEXT = scalar(str)
NUMBER = scalar(int, float)
CONFIG = mapping(scalar(str, int, float, bool))
TASK_STATE = obj(id=(NUMBER, False), state=(TEXT, True), worker_id=(TEXT, False))
STATUS = obj(
    name=(TEXT, False),
    connector=(obj(state=(TEXT, True), worker_id=(TEXT, False)), True),
    tasks=(array(TASK_STATE), True),
    type=(TEXT, False),
)
INFO = obj(name=(TEXT, False), config=(CONFIG, True), tasks=(array(ANY), False), type=(TEXT, False))
EXPANDED = list_or_object(
    array(TEXT),  # a pre-2.3 worker ignores `expand`
    mapping(obj(info=(INFO, False), status=(STATUS, False))),
)
NAMES = array(TEXT)
SERVER_INFO = obj(version=(TEXT, True), commit=(TEXT, False), kafka_cluster_id=(TEXT, False))
TASKS = array(obj(id=(ANY, True), config=(CONFIG, False)))
TOPICS = nothing_or(mapping(obj(topics=(array(TEXT), True))))
RESTART = nothing_or(STATUS)
OFFSETS = obj(offsets=(array(obj(partition=(ANY, True), offset=(ANY, True))), True))
MESSAGE = nothing_or(obj(message=(TEXT, False)))
PLUGINS = array(obj(**{"class": (TEXT, True), "type": (TEXT, False), "version": (TEXT, False)}))
DEFINITIONS = array(obj(name=(TEXT, True), type=(TEXT, False)))
VALIDATION = obj(configs=(array(ANY), True), error_count=(NUMBER, False))
LOGGER = obj(level=(TEXT, True))
LOGGERS = mapping(LOGGER)
CHANGED_LOGGERS = nothing_or(array(TEXT))
