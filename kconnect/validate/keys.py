"""Per-key checks of one connector config against its class's schema: required keys, types,
ranges, allowed values (unknown and renamed keys: `unknown_keys`). Rule ids are listed with hints in
`kconnect.validate.lint.rules`."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kconnect.catalogs import connector_schema
from kconnect.diagnostics import Problem, error
from kconnect.output.redaction import hide_value, is_secret_key

if TYPE_CHECKING:
    from kconnect.manifests.model import Manifest

# Rule ids reported by `check_config`; the table with hints is `kconnect.validate.lint.rules`.
RULE_REQUIRED = "schema/required"
RULE_TYPE = "schema/type"
RULE_ENUM = "schema/enum"
RULE_RANGE = "schema/range"
RULE_PATTERN = "schema/pattern"
RULE_INVALID = "schema/invalid"

_TYPE_WORDS = {
    "INT": "an integer",
    "LONG": "an integer",
    "SHORT": "an integer",
    "BOOLEAN": "true or false",
    "DOUBLE": "a number",
}


def _as_int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def _range_keyword(validator: Any, bounds: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    number = _as_int(instance) if isinstance(instance, str) else None
    if number is None:  # not an integer: the pattern reports it
        return
    lo, hi = bounds.get("minimum"), bounds.get("maximum")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        yield ValidationError(f"{instance!r} is out of range", validator_value=bounds)


def _enum_keyword(validator: Any, allowed: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if not isinstance(instance, str):
        return
    if instance.strip().lower() not in {str(v).lower() for v in allowed}:
        yield ValidationError(f"{instance!r} is not one of {allowed!r}", validator_value=allowed)


@functools.cache
def _validator(connector_class: str) -> Any:
    from jsonschema import Draft202012Validator, validators

    schema = connector_schema(connector_class)
    cls = validators.extend(
        Draft202012Validator,
        {"x-kconnect-range": _range_keyword, "x-kconnect-enum": _enum_keyword},
    )
    return cls(schema)


def _fmt_bound(n: int) -> str:
    return f"{n:,}".replace(",", "_") if abs(n) >= 10**12 else str(n)


def _shown(message: str, value: Any, secret: bool) -> str:
    """A problem's message; a secret key's value is named, never quoted."""
    return hide_value(message, value) if secret and isinstance(value, str) else message


def _problem_for(err: Any, manifest: Manifest) -> Problem | None:
    path = list(err.absolute_path)
    key = str(path[0]) if path else None
    where = manifest.location_of(key) if key else manifest.location
    prop: Mapping[str, Any] = err.schema if isinstance(err.schema, Mapping) else {}
    custom = prop.get("x-kconnect-message")
    kind = err.validator
    name = manifest.name
    hint = prop.get("description")
    value = err.instance
    secret = bool(key) and (prop.get("x-kconnect-type") == "PASSWORD" or is_secret_key(str(key)))

    if kind == "x-kconnect-enum":
        removed: Mapping[str, str] = prop.get("x-kconnect-removed", {})
        allowed = ", ".join(err.validator_value)
        why = removed.get(str(value).strip().lower())
        detail = f" ({why})" if why else ""
        msg = f"{key}: {value!r} is not allowed{detail}; allowed values: {allowed}"
        return error(RULE_ENUM, _shown(msg, value, secret), where, hint=hint, connector=name)
    if kind == "x-kconnect-range":
        lo, hi = err.validator_value.get("minimum"), err.validator_value.get("maximum")
        if custom:
            msg = f"{key} is {value}: {custom}"
        elif lo is not None and hi is not None:
            msg = f"{key}: {value} is out of range; allowed: {_fmt_bound(lo)}..{_fmt_bound(hi)}"
        else:
            msg = f"{key}: {value} is out of range"
        return error(RULE_RANGE, _shown(msg, value, secret), where, hint=hint, connector=name)
    if kind == "pattern":
        ctype = prop.get("x-kconnect-type", "")
        if ctype in _TYPE_WORDS:
            msg = f"{key} must be {_TYPE_WORDS[ctype]}, got {value!r}"
            return error(RULE_TYPE, _shown(msg, value, secret), where, hint=hint, connector=name)
        msg = (
            f"{key}: {value!r} {custom}"
            if custom
            else f"{key}: {value!r} does not match {err.validator_value}"
        )
        return error(RULE_PATTERN, _shown(msg, value, secret), where, hint=hint, connector=name)
    if kind == "type":
        msg = f"{key}: value must be a string as Connect stores it, got {type(value).__name__}"
        return error(RULE_TYPE, _shown(msg, value, secret), where, connector=name)
    msg = f"{key}: {err.message}" if key else err.message
    return error(RULE_INVALID, msg, where, connector=name)


def check_config(manifest: Manifest) -> list[Problem]:
    """Every problem the bundled schema of the manifest's class finds in its config.

    Classes without a bundled schema get no per-class checks. A missing required key is
    reported at the manifest itself, everything else at the offending key."""
    schema = connector_schema(manifest.connector_class)
    if schema is None:
        return []
    problems: list[Problem] = []
    config = dict(manifest.config)
    missing: set[str] = set()
    for err in _validator(manifest.connector_class).iter_errors(config):
        if err.validator == "required":
            missing.update(k for k in err.validator_value if k not in config)
            continue
        problem = _problem_for(err, manifest)
        if problem is not None:
            problems.append(problem)
    props: Mapping[str, Any] = schema.get("properties", {})
    for key in sorted(missing):
        desc = props.get(key, {}).get("description")
        msg = f"{key} is required by {manifest.connector_class}"
        problems.append(
            error(RULE_REQUIRED, msg, manifest.location, hint=desc, connector=manifest.name)
        )
    return sorted(problems, key=Problem.sort_key)
