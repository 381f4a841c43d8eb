"""Reviewed plans: `plan --out FILE` writes a plan, `apply --plan FILE` applies exactly it.

The file holds no secret value: it can be posted to a pull request. What it holds instead is
enough to prove, at apply time, that nothing moved since the review:

- per touched connector, a fingerprint of the live config and target state it was planned
  against, and of the desired config and state (from manifests + environment);
- the options that shaped the plan (cluster URL, scope, --prune, --target);
- the salt those fingerprints use, and a checksum of the whole file.

Apply re-reads the cluster and re-plans from the manifests with the same options and salt;
any difference from the file (a connector changed on the cluster, a manifest or variable
changed, a new drift appeared) refuses the whole apply before the first write. Secret values
are re-derived from the manifests and the environment, never read from the file.

Fingerprints stretch secret values with PBKDF2 first, so a published digest of a password
costs a guesser time per guess. That slows guessing a weak password; it does not prevent it.
The checksum catches a hand-edited file; it is not a signature: the real guard against a
forged file is that apply only ever writes what the current manifests produce.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets as random
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from kconnect.api.live import comparable_config, live_config, live_state
from kconnect.errors import KconnectError
from kconnect.manifests.model import Manifest
from kconnect.output.redaction import is_config_reference, is_secret_key
from kconnect.planning.plan import Action, ConnectorChange, Plan
from kconnect.planning.scope import Scope
from kconnect.records import record, replace

# 2: changes carry `impacts` and `moved_from` (renames); a version-1 file lacks what the
# reviewer was shown about the data, so it is refused.
# 3: `ignore_keys`, per connector, the keys whose live values apply writes back: the rule the
# reviewer saw, which wins over the manifests' and kconnect.yaml's at apply time. A plan with
# no ignored key is still written as version 2 (readable by older kconnect); one with them is
# version 3, which an older kconnect refuses rather than overwrite the ignored keys.
PLAN_FILE_VERSION = 3
_READABLE_VERSIONS = (2, 3)
# Version 3 fingerprints as version 2 did (but without ignored keys): a version-2 file written
# by an older kconnect still verifies.
_FINGERPRINT_DOMAIN = "kconnect-plan-2"
_FORMAT = "kconnect-plan"
_STRETCH_ITERATIONS = 50_000
# A credential inside a URL (`jdbc:mysql://user:pw@host`) is a secret whatever its key.
_URL_USERINFO = re.compile(r"://[^/\s@]*@")
# Live states that mean "running, maybe unhealthy": health is not what a plan is about.
_RUNNING_LIKE = frozenset({"RUNNING", "FAILED", "UNASSIGNED", "RESTARTING"})

PasswordKeys = Callable[[Manifest | None, Mapping[str, str]], Collection[str]]


class PlanFileError(KconnectError):
    """The plan file is unreadable, edited, from another cluster, or stale. Nothing written."""


@functools.lru_cache(maxsize=1024)
def _stretch(salt: str, value: str) -> str:
    digest = hashlib.pbkdf2_hmac(
        "sha256", value.encode("utf-8"), bytes.fromhex(salt), _STRETCH_ITERATIONS
    )
    return digest.hex()


def secret_digest(salt: str, value: str) -> str:
    """What the file shows where a secret changed: salted and stretched, never the value."""
    return f"pbkdf2-sha256:{_stretch(salt, value)[:32]}"


def _is_secret(key: str, value: str, password_keys: Collection[str]) -> bool:
    if is_config_reference(value):
        return False
    return is_secret_key(key, password_keys) or bool(_URL_USERINFO.search(value))


def fingerprint(
    salt: str,
    config: Mapping[str, str],
    state: str | None,
    password_keys: Collection[str],
    ignored: Collection[str] = (),
) -> str:
    """A salted digest of a connector's comparable config and target state. `ignored` keys
    are left out: a value an autoscaler changes after the review does not make the plan
    stale, and apply writes back whatever the cluster holds then."""
    h = hashlib.sha256(f"{_FINGERPRINT_DOMAIN}\0{salt}\0".encode())
    for key, value in sorted(comparable_config(config).items()):
        if key in ignored:
            continue
        shown = _stretch(salt, value) if _is_secret(key, value, password_keys) else value
        h.update(json.dumps([key, shown]).encode("utf-8"))
    h.update(json.dumps(["state", state]).encode("utf-8"))
    return "sha256:" + h.hexdigest()


def _target_class(state: str | None) -> str | None:
    return "RUNNING" if state in _RUNNING_LIKE else state


def public_url(url: str) -> str:
    """The cluster URL as the file records it: no user info, no trailing slash."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), host.lower(), parts.path.rstrip("/"), "", ""))


@record
class PlanOptions:
    cluster: str
    prune: bool
    scope: Scope
    targets: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "prune": self.prune,
            "owns": list(self.scope.patterns) if self.scope.patterns is not None else None,
            "targets": list(self.targets),
        }


def _change_entry(
    change: ConnectorChange,
    salt: str,
    manifest: Manifest | None,
    live_entry: Mapping[str, Any] | None,
    password_keys_for: PasswordKeys,
) -> dict[str, Any]:
    live_cfg = live_config(live_entry) if live_entry is not None else {}
    keys = frozenset(password_keys_for(manifest, live_cfg))
    desired_cfg = dict(manifest.config) if manifest is not None else {}
    # A create sends the manifest's values of its ignored keys: those were reviewed.
    creates = change.action is Action.CREATE
    ignored = manifest.ignore_keys if manifest is not None and not creates else frozenset()
    key_entries = []
    for k in change.key_changes:
        entry: dict[str, Any] = {"key": k.key, "change": k.kind.value}
        before, after = live_cfg.get(k.key), desired_cfg.get(k.key)
        # The display plan masks by key; a password inside a URL must not reach the file either.
        if k.secret or any(_is_secret(k.key, v, keys) for v in (before, after) if v is not None):
            entry["secret"] = True
            entry["before_digest"] = secret_digest(salt, before) if before is not None else None
            entry["after_digest"] = secret_digest(salt, after) if after is not None else None
        else:
            entry["before"], entry["after"] = k.before, k.after
        key_entries.append(entry)
    live_fp = (
        fingerprint(salt, live_cfg, _target_class(live_state(live_entry)), keys, ignored)
        if live_entry is not None
        else None
    )
    desired_fp = (
        fingerprint(salt, desired_cfg, manifest.state.worker_state, keys, ignored)
        if manifest is not None and change.action is not Action.DELETE
        else None
    )
    # Which keys were secrets (names only): the fingerprints differ when that changes, and
    # apply then says so rather than blame the cluster.
    secret_keys = sorted(k for k in live_cfg.keys() | desired_cfg.keys() if is_secret_key(k, keys))
    # The change as `plan -o json` gives it (same fields, same order), but with the key
    # entries a plan file keeps (secrets as digests), the two fingerprints and the secret keys.
    return {
        **change.to_dict(),
        "keys": key_entries,
        "live": live_fp,
        "desired": desired_fp,
        "secret_keys": secret_keys,
    }


def plan_document(
    plan: Plan,
    options: PlanOptions,
    manifests: Sequence[Manifest],
    live: Mapping[str, Mapping[str, Any]],
    *,
    paths: Sequence[str],
    password_keys_for: PasswordKeys,
    salt: str | None = None,
    created_at: str | None = None,
) -> dict[str, Any]:
    """The plan file's content, checksum included."""
    from kconnect import __version__

    salt = salt or random.token_hex(16)
    by_name = {m.name: m for m in manifests}
    ignore_keys = {m.name: sorted(m.ignore_keys) for m in manifests if m.ignore_keys}
    doc: dict[str, Any] = {
        "format": _FORMAT,
        "version": PLAN_FILE_VERSION if ignore_keys else 2,
        "kconnect_version": __version__,
        "created_at": created_at
        or datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "paths": list(paths),
        "options": options.to_dict(),
        "salt": salt,
        "summary": dict(plan.counts),
        "changes": [
            _change_entry(
                c, salt, by_name.get(c.name), live.get(c.moved_from or c.name), password_keys_for
            )
            for c in plan.changes
        ],
    }
    if ignore_keys:
        doc["ignore_keys"] = dict(sorted(ignore_keys.items()))
    doc["checksum"] = _checksum(doc)
    return doc


def _checksum(doc: Mapping[str, Any]) -> str:
    body = {k: v for k, v in doc.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def write_plan_file(path: Path, doc: Mapping[str, Any]) -> None:
    from kconnect.output.console import json_text, write_file
    from kconnect.output.redaction import redact_data

    # Through the output seam: redacted as data before it is serialised, and no registered
    # secret value reaches the file whatever the field. The checksum covers what is written.
    safe = redact_data({k: v for k, v in doc.items() if k != "checksum"})
    safe["checksum"] = _checksum(safe)
    try:
        write_file(path, json_text(safe) + "\n")
    except OSError as exc:
        raise PlanFileError(f"cannot write the plan file {path}: {exc.strerror or exc}") from None


def read_plan_file(path: Path) -> dict[str, Any]:
    """The plan file's content, after checking its format, version and checksum."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"cannot read the plan file {path}: {exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}:{exc.lineno}: not a kconnect plan file: {exc.msg}") from None
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
        raise PlanFileError(f"{path}: not a kconnect plan file (written by `kconnect plan --out`)")
    if doc.get("version") not in _READABLE_VERSIONS:
        readable = " and ".join(str(v) for v in _READABLE_VERSIONS)
        raise PlanFileError(
            f"{path}: plan file version {doc.get('version')!r} is not supported "
            f"(this kconnect reads versions {readable}); make a new plan"
        )
    if doc.get("checksum") != _checksum(doc):
        raise PlanFileError(
            f"{path}: the plan file was changed after kconnect wrote it (checksum mismatch); "
            "nothing was written. Make a new plan with `kconnect plan --out`"
        )
    options = doc.get("options")
    if (
        not isinstance(options, dict)
        or not isinstance(doc.get("salt"), str)
        or not re.fullmatch(r"[0-9a-f]{32}", doc["salt"])
        or not isinstance(doc.get("changes"), list)
        or not isinstance(doc.get("paths"), list)
        or not _valid_ignore_keys(doc.get("ignore_keys", {}))
    ):
        raise PlanFileError(f"{path}: the plan file is incomplete; make a new plan")
    return doc


def _valid_ignore_keys(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(keys, list) and all(isinstance(k, str) for k in keys) for keys in value.values()
    )


def with_saved_ignore_keys(doc: Mapping[str, Any], manifests: Sequence[Manifest]) -> list[Manifest]:
    """The manifests with the plan file's `ignore_keys` in place of their own (and
    kconnect.yaml's): apply writes what was reviewed, even if the rule changed since."""
    saved = doc.get("ignore_keys") or {}
    return [replace(m, ignore_keys=frozenset(saved.get(m.name, ()))) for m in manifests]


def saved_options(doc: Mapping[str, Any]) -> PlanOptions:
    options = doc["options"]
    owns = options.get("owns")
    scope = Scope(tuple(owns), "plan file") if isinstance(owns, list) else Scope()
    return PlanOptions(
        cluster=str(options.get("cluster", "")),
        prune=bool(options.get("prune")),
        scope=scope,
        targets=tuple(str(t) for t in options.get("targets") or ()),
    )


def differences(saved: Mapping[str, Any], fresh: Mapping[str, Any]) -> list[str]:
    """Why the fresh plan is not the saved one, one line per connector; empty when equal."""
    old = {c["name"]: c for c in saved["changes"]}
    new = {c["name"]: c for c in fresh["changes"]}
    found: list[str] = []
    for name in sorted(old.keys() | new.keys()):
        before, now = old.get(name), new.get(name)
        if before is None and now is not None:
            found.append(
                f"{name}: would now be {_past(now['action'])}, "
                "which the saved plan does not include"
            )
        elif now is None and before is not None:
            found.append(
                f"{name}: the saved plan would {before['action']} it, but it no longer needs a "
                "change"
            )
        elif before is not None and now is not None:
            if before.get("live") != now.get("live"):
                # A key that became (or stopped being) a secret is fingerprinted differently.
                found.append(
                    f"{name}: the keys kept secret (sensitive_keys, PASSWORD-typed keys) are not "
                    "those of the plan"
                    if "secret_keys" in before and before["secret_keys"] != now.get("secret_keys")
                    else f"{name}: changed on the cluster since the plan was made"
                )
            elif _shape(before) != _shape(now):
                found.append(f"{name}: the manifests no longer produce the same change")
    return found


def _shape(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    keys = tuple((k.get("key"), k.get("change")) for k in entry.get("keys") or ())
    impacts = tuple((i.get("id"), i.get("severity")) for i in entry.get("impacts") or ())
    return (
        entry.get("action"),
        entry.get("moved_from"),
        entry.get("resuming"),
        impacts,
        entry.get("desired"),
        entry.get("state_after"),
        entry.get("config_changed"),
        keys,
    )


def _past(action: str) -> str:
    return {
        "create": "created",
        "update": "updated",
        "delete": "deleted",
        "rename": "renamed",
    }.get(action, action)
