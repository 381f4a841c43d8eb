"""Reading the worker's answers: error messages from error bodies, and the shape every
successful answer the client uses must have."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from kconnect.records import record


class Answered(Protocol):
    """A finished answer: `kconnect.api.wire.Response`, or an httpx one (the contract tests)."""

    @property
    def status_code(self) -> int: ...
    @property
    def reason_phrase(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    @property
    def headers(self) -> Any: ...
    def json(self) -> Any: ...


ERROR_TEXT_LIMIT = 300


def error_message(response: Answered) -> str:
    """The worker's `message`, or a short form of a non-JSON (Jetty HTML) error body.

    Redacted before it is shortened (a secret cut in two is no longer recognised), and a
    `message` that is not a string stays JSON (Python's `str()` would write `{'k': 'v'}`,
    which the `"key": "value"` pattern does not see)."""
    from kconnect.output.redaction import redact_data, redact_text, shorten

    try:
        body = decode_json(response)
    except ValueError:
        text = redact_text(response.text.strip())
        if "<title>" in text:
            text = text.split("<title>", 1)[1].split("</title>", 1)[0]
        return shorten(text, ERROR_TEXT_LIMIT) or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    shown = body["message"] if isinstance(body, dict) and "message" in body else body
    text = json.dumps(redact_data(shown), ensure_ascii=False)
    return shorten(text, ERROR_TEXT_LIMIT)


# -- shapes of successful answers ------------------------------------------------------------
#
# A 2xx whose JSON is not what the endpoint returns (a proxy's page, a different service on
# the port, a broken worker) must end in a clear error naming the endpoint, never in an
# AttributeError deep in plan or status, nor in an empty "UNKNOWN" connector. A shape is a
# function that returns None when the value fits, or a description of what was expected.

Shape = Callable[[Any, str], "str | None"]
# Whether a value fits a shape, without saying why not: answers of thousands of connectors are
# checked by these alone, and only a value that does not fit is walked again for the message
# (building the path of every field, `['c1']['info']['config']`, was most of the cost).
Fits = Callable[[Any], bool]
_FITS: dict[Shape, Fits] = {}


def _shape(fits: Fits, explain: Shape) -> Shape:
    """A shape from `fits` and `explain`, which must agree: `explain(value, where)` is None
    exactly when `fits(value)`."""

    def check(value: Any, where: str) -> str | None:
        return None if fits(value) else explain(value, where)

    _FITS[check] = fits
    return check


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
    fast = [(key, _FITS[shape], required) for key, (shape, required) in fields.items()]

    def fits(value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        for key, shape_fits, required in fast:
            if key in value:
                if not shape_fits(value[key]):
                    return False
            elif required:
                return False
        return True

    def explain(value: Any, where: str) -> str | None:
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

    return _shape(fits, explain)


def mapping(values: Shape) -> Shape:
    """An object whose every value has the shape `values`."""
    values_fit = _FITS[values]

    def fits(value: Any) -> bool:
        return isinstance(value, dict) and all(values_fit(item) for item in value.values())

    def explain(value: Any, where: str) -> str | None:
        if not isinstance(value, dict):
            return f"{where or 'the answer'} to be an object, got {describe(value)}"
        for key, item in value.items():
            if (problem := values(item, _at(where, key))) is not None:
                return problem
        return None

    return _shape(fits, explain)


def array(items: Shape) -> Shape:
    items_fit = _FITS[items]

    def fits(value: Any) -> bool:
        return isinstance(value, list) and all(items_fit(item) for item in value)

    def explain(value: Any, where: str) -> str | None:
        if not isinstance(value, list):
            return f"{where or 'the answer'} to be a list, got {describe(value)}"
        for i, item in enumerate(value):
            if (problem := items(item, _at(where, i))) is not None:
                return problem
        return None

    return _shape(fits, explain)


def scalar(*types: type) -> Shape:
    names = {str: "a string", int: "a number", float: "a number", bool: "a boolean"}

    def fits(value: Any) -> bool:
        if value is None or (isinstance(value, types) and not isinstance(value, bool)):
            return True
        return bool in types and isinstance(value, bool)

    def explain(value: Any, where: str) -> str | None:
        if fits(value):
            return None
        wanted = " or ".join(dict.fromkeys(names.get(t, t.__name__) for t in types))
        return f"{where} to be {wanted}, got {describe(value)}"

    return _shape(fits, explain)


def list_or_object(as_list: Shape, as_object: Shape) -> Shape:
    list_fits, object_fits = _FITS[as_list], _FITS[as_object]

    def fits(value: Any) -> bool:
        if isinstance(value, list):
            return list_fits(value)
        return isinstance(value, dict) and object_fits(value)

    def explain(value: Any, where: str) -> str | None:
        if isinstance(value, list):
            return as_list(value, where)
        if isinstance(value, dict):
            return as_object(value, where)
        return f"{where or 'the answer'} to be a list or an object, got {describe(value)}"

    return _shape(fits, explain)


def nothing_or(shape: Shape) -> Shape:
    shape_fits = _FITS[shape]

    def fits(value: Any) -> bool:
        return value is None or shape_fits(value)

    def explain(value: Any, where: str) -> str | None:
        return None if value is None else shape(value, where)

    return _shape(fits, explain)


ANY: Shape = _shape(lambda value: True, lambda value, where: None)
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
_LISTING_ENTRY = obj(info=(INFO, True), status=(STATUS, True))
_LISTING_ENTRY_FITS = _FITS[_LISTING_ENTRY]


def _listing_entry_fits(key: str, value: Any) -> bool:
    if not _LISTING_ENTRY_FITS(value):
        return False
    names = (value["info"].get("name"), value["status"].get("name"))
    return all(name is None or name == key for name in names)


def _listing_entry(key: str, value: Any, where: str) -> str | None:
    """One connector of `GET /connectors?expand=info&expand=status`: both asked for, so both
    there (`{}` is what the worker gives for an expand it does not know), and about the
    connector named by the key."""
    if (problem := _LISTING_ENTRY(value, where)) is not None:
        return problem
    for part in ("info", "status"):
        name = value[part].get("name")
        if name is not None and name != key:
            return f"{where}[{part!r}]['name'] to be the key, got another connector's name"
    return None


def _listing_explain(value: Any, where: str) -> str | None:
    if not isinstance(value, dict):
        return f"{where or 'the answer'} to be an object, got {describe(value)}"
    for key, entry in value.items():
        if (problem := _listing_entry(key, entry, _at(where, key))) is not None:
            return problem
    return None


_listing = _shape(
    lambda value: (
        isinstance(value, dict) and all(_listing_entry_fits(k, e) for k, e in value.items())
    ),
    _listing_explain,
)


EXPANDED = list_or_object(array(TEXT), _listing)  # a pre-2.3 worker ignores `expand`: a list
NAMES = array(TEXT)
SERVER_INFO = obj(version=(TEXT, True), commit=(TEXT, False), kafka_cluster_id=(TEXT, False))
TASKS = array(obj(id=(ANY, True), config=(CONFIG, False)))
TOPICS = nothing_or(mapping(obj(topics=(array(TEXT), True))))
OFFSETS = obj(offsets=(array(obj(partition=(ANY, True), offset=(ANY, True))), True))
PLUGINS = array(obj(**{"class": (TEXT, True), "type": (TEXT, False), "version": (TEXT, False)}))
DEFINITIONS = array(obj(name=(TEXT, True), type=(TEXT, False)))
VALIDATION = obj(configs=(array(ANY), True), error_count=(NUMBER, False))
LOGGER = obj(level=(TEXT, True))
LOGGERS = mapping(LOGGER)


# -- the answers a write must get ------------------------------------------------------------
#
# Between kconnect and Connect there are often proxies, gateways and load balancers. A write
# counts as done only when the answer is one Connect documents for it (see
# ../shared/reference/connect-rest-api.md §2): a `200` with an HTML page, a `201` of another
# shape or an empty `202` where a body belongs is an unexpected answer, never a success.


@record
class Answer:
    """One documented answer: its status, and the shape of its body (None: no body)."""

    status: int
    shape: Shape | None = None
    body: str = "no body"


Expected = tuple[Answer, ...]


def describe_expected(expected: Expected) -> str:
    """`200 or 201 with the connector's JSON`, `204 with no body, or 202 with ...`."""
    bodies: dict[str, list[str]] = {}
    for answer in expected:
        bodies.setdefault(answer.body, []).append(str(answer.status))
    return ", or ".join(f"{' or '.join(codes)} with {body}" for body, codes in bodies.items())


def check_write(response: Answered, expected: Expected) -> tuple[str | None, Any]:
    """(None, the decoded body) when `response` is one of the `expected` answers; otherwise
    (what was expected and what came instead, None)."""
    wanted = describe_expected(expected)
    status = response.status_code
    for answer in expected:
        if answer.status != status:
            continue
        if answer.shape is None:
            if not response.content.strip():
                return None, None
            return f"expected {wanted}, got {status} with {body_kind(response)}", None
        try:
            data = decode_json(response)
        except ValueError:
            return f"expected {wanted}, got {status} with {body_kind(response)}", None
        if (problem := answer.shape(data, "")) is not None:
            return (
                f"expected {wanted}, got {status} with JSON of another shape (expected {problem})",
                None,
            )
        return None, data
    return f"expected {wanted}, got {status} with {body_kind(response)}", None


# No Connect answer nests deeper than about 8 levels (offsets: answer, list, entry, partition,
# value). Deeper JSON is no Connect answer, and Python's own parser fails on it with a
# RecursionError rather than a ValueError.
MAX_DEPTH = 64


class TooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_DEPTH} levels")


def decode_json(response: Answered) -> Any:
    """The body as JSON; ValueError when it is not JSON, `TooDeep` when it nests deeper than
    any Connect answer."""
    if not response.content.strip():
        raise ValueError("no body")
    try:
        data = response.json()
    except RecursionError:
        raise TooDeep() from None
    _check_depth(data)
    return data


def _check_depth(data: Any) -> None:
    level, depth = [data], 1  # level by level: no (value, depth) pair per container
    while level:
        if depth > MAX_DEPTH:
            raise TooDeep()
        below: list[Any] = []
        for value in level:
            if isinstance(value, dict):
                below += [v for v in value.values() if isinstance(v, (dict, list))]
            elif isinstance(value, list):
                below += [v for v in value if isinstance(v, (dict, list))]
        level, depth = below, depth + 1


def body_kind(response: Answered) -> str:
    """What a body is, without its content (it may carry configs, hence secrets), except for
    an HTML page's title, which names the proxy or gateway that answered."""
    content = response.content
    if not content.strip():
        return "no body"
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        data = decode_json(response)
    except TooDeep as exc:
        return str(exc)
    except ValueError:
        data = None
    else:
        return f"a JSON body ({describe(data)})"
    text = response.text
    if "html" in ctype or "<html" in text[:1000].lower():
        title = ""
        lowered = text.lower()
        if (start := lowered.find("<title>")) >= 0 and (end := lowered.find("</title>")) > start:
            title = " ".join(text[start + len("<title>") : end].split())[:80]
        return f"an HTML page ({title!r})" if title else "an HTML page"
    kind = ctype or "no content type"
    return f"a body that is not JSON ({kind}, {len(content)} bytes)"


def named(shape: Shape, name: str) -> Shape:
    """`shape`, and its `name` is `name`: the answer is about the connector written."""

    def check(value: Any, where: str) -> str | None:
        if (problem := shape(value, where)) is not None:
            return problem
        if value.get("name") != name:
            got = "no name" if value.get("name") is None else "another connector's name"
            return f"{where or 'the answer'}['name'] to be {name!r}, got {got}"
        return None

    return check


def written(name: str) -> Expected:
    """`PUT /connectors/{name}/config` and `POST /connectors`: 201 (created) or 200 (updated)
    with the connector's info."""
    info = named(INFO, name)
    return (
        Answer(200, info, "the connector's JSON"),
        Answer(201, info, "the connector's JSON"),
    )


DELETED: Expected = (Answer(204),)
PAUSED: Expected = (Answer(202),)
RESUMED: Expected = (Answer(202),)
STOPPED: Expected = (Answer(204),)
# KIP-745: a restart of the connector alone is 204; with includeTasks/onlyFailed, 202 and the
# status showing what restarts (a worker before 3.0 ignores both options and answers 204).
RESTARTED: Expected = (Answer(204), Answer(202, STATUS, "the connector's status"))
TASK_RESTARTED: Expected = (Answer(204),)
OFFSETS_CHANGED: Expected = (Answer(200, obj(message=(TEXT, True)), "a message"),)
LOGGER_SET: Expected = (Answer(200, array(TEXT), "the loggers changed"),)
# Cluster scope (KIP-976, 3.7+) is 204; an older worker ignores `scope` and answers as above.
LOGGER_SET_CLUSTER: Expected = (Answer(204), *LOGGER_SET)
