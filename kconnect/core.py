"""kconnect as a library: validate, plan, apply and status, with no CLI or terminal concerns.

Each function takes explicit arguments and returns frozen result objects; the CLI renders
them. Errors are `KconnectError`s.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from kconnect.api.live import comparable_config, live_config
from kconnect.diagnostics import Location, Problem, Severity, error
from kconnect.errors import ApiError, KconnectError, ManifestError
from kconnect.manifests.loader import load_manifest_set
from kconnect.manifests.model import (
    NO_KEY_RULES,
    KeyRules,
    Manifest,
    TargetState,
    password_keys_for,
)
from kconnect.output.redaction import (
    config_secret_values,
    redact_text,
    register_password_keys,
    register_secrets,
)
from kconnect.planning.safety import (
    DangerousPlanError,
    SafetyLimits,
    UnsafePlan,
    UnsafePlanError,
    check_safety,
)
from kconnect.planning.scope import NO_SCOPE, Scope, check_targets_match, matches_any
from kconnect.records import field, record, replace

if TYPE_CHECKING:
    # Offline `validate` must not pay for HTTP, planning or apply (start-up, issue #22):
    # what plan, apply and status need at run time is imported where they run.
    from kconnect.api.client import ConnectClient
    from kconnect.health import ConnectorHealth
    from kconnect.ops.bulk import Interrupt
    from kconnect.ops.wait import Rewritten, WaitResult
    from kconnect.planning.apply import ApplyResult, WorkerFeatures
    from kconnect.planning.impact import Impact
    from kconnect.planning.plan import Plan
    from kconnect.progress import Progress

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a call builds bulk data (YAML nodes, manifests,
    live entries of thousands of connectors): each collection would walk all of it again,
    the largest share of the CPU time at 5,000 connectors. Reference counting still frees
    what is dropped; a cycle made meanwhile waits for the first collection after the pause."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _bulk(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """`func` runs with the garbage collector paused (`_gc_paused`)."""

    @functools.wraps(func)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _gc_paused():
            return func(*args, **kwargs)

    return paused


# -- validation -------------------------------------------------------------------------------


@record
class ValidationReport:
    """The manifests checked and every problem found in them."""

    manifests: tuple[Manifest, ...]
    problems: tuple[Problem, ...]
    # PASSWORD-typed keys per connector, as the worker defines them (only with --online).
    worker_password_keys: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_warning)

    @property
    def notes(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.NOTE)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def sensitive_keys(self) -> frozenset[str]:
        """Every manifest's `sensitive_keys` (kconnect.yaml's included): their values, live
        or declared, are masked wherever they show."""
        return sensitive_keys_of(self.manifests)

    def to_dict(self) -> dict[str, Any]:
        return {
            "connectors": [m.name for m in self.manifests],
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "notes": len(self.notes),
            "problems": [p.to_dict() for p in self.problems],
        }


@_bulk
def validate(
    paths: Sequence[str],
    env: Mapping[str, str],
    *,
    client: ConnectClient | None = None,
    stdin_text: str | bytes | None = None,
    scope: Scope = NO_SCOPE,
    strict: bool = False,
    catalog_dir: str | None = None,
    key_rules: KeyRules = NO_KEY_RULES,
) -> ValidationReport:
    """Load and check every manifest: envelope, per-class schema, unknown keys, pipeline lint,
    the ownership scope, and — when a client is given — the worker's own validation. Never
    raises for bad manifests: the problems are in the report. `strict` makes every warning an
    error; `catalog_dir` holds plugin catalogs (`kconnect plugins snapshot`), found next to the
    manifests (`.kconnect/plugins/`, walking up) when not given. `key_rules`: kconnect.yaml's
    `sensitive_keys:` and `ignore_keys:`."""
    try:
        loaded = load_manifest_set(paths, env, stdin_text=stdin_text)
    except ManifestError as exc:
        return ValidationReport((), exc.problems)
    # kconnect.yaml's `sensitive_keys:` and `ignore_keys:` join each manifest's own here, once:
    # every command reads them from the manifest and none can forget the project's.
    manifests = [key_rules.applied_to(m) for m in loaded.manifests]
    # Known before the first request (the worker's validation may echo them back).
    sensitive = sensitive_keys_of(manifests)
    register_password_keys(sensitive)
    register_secrets(secret_values((m.config for m in manifests), sensitive))
    problems = [*loaded.problems, *offline_problems(manifests, catalog_dir=catalog_dir)]
    problems.extend(scope_problems(manifests, scope))
    problems.extend(rename_problems(manifests))
    worker_keys: dict[str, frozenset[str]] = {}
    if client is not None:
        problems.extend(catalog_drift(client, snapshot_folders(manifests, catalog_dir)))
    if client is not None and not any(p.is_error for p in problems):
        for manifest in manifests:
            found, keys = worker_validation(client, manifest)
            problems.extend(found)
            worker_keys[manifest.name] = keys
    if strict:
        problems = [replace(p, severity=Severity.ERROR) for p in problems]
    problems.sort(key=Problem.sort_key)
    return ValidationReport(tuple(manifests), tuple(problems), worker_keys)


def _error_at_name(m: Manifest, rule: str, message: str, **kw: Any) -> Problem:
    """An error about connector `m`, pointed at its name (or the manifest when it has none)."""
    return error(rule, message, m.name_location or m.location, connector=m.name, **kw)


def scope_problems(manifests: Sequence[Manifest], scope: Scope) -> list[Problem]:
    """A manifest outside the scope would create a connector no later prune could clean up
    (a typo in a name, most often): an error, at the manifest's name."""
    if not scope.declared:
        return []
    where = f"kconnect.yaml at {scope.source}" if scope.source != "--owns" else "--owns"
    problems = [
        _error_at_name(
            m,
            "scope/not-owned",
            f"connector {m.name!r} is outside the ownership scope ({scope.describe()})",
            hint=f"rename it to match the scope, or add a pattern to the scope ({where})",
        )
        for m in manifests
        if not scope.owns(m.name)
    ]
    # A rename deletes its old connector: one outside the scope is not ours to delete.
    problems += [
        _error_at_name(
            m,
            "scope/not-owned",
            f"{m.name}: moved_from {m.moved_from!r} is outside the ownership scope "
            f"({scope.describe()}); a rename deletes it",
            hint=f"add a pattern for it to the scope ({where}), or remove moved_from",
        )
        for m in manifests
        if m.moved_from is not None and scope.owns(m.name) and not scope.owns(m.moved_from)
    ]
    return problems


def rename_problems(manifests: Sequence[Manifest]) -> list[Problem]:
    """`moved_from` must name a connector no manifest declares, and only once; `acknowledge`
    must name known impact ids."""
    declared = {m.name for m in manifests}
    problems: list[Problem] = []
    claimed: dict[str, str] = {}
    for m in manifests:
        if m.acknowledge:  # the impact table is planning's: loaded only when named
            from kconnect.planning.impact import IMPACT_IDS

            known = ", ".join(sorted(IMPACT_IDS))
            problems += [
                _error_at_name(
                    m,
                    "manifest/acknowledge",
                    f"{unknown!r} is not an impact id (known: {known})",
                )
                for unknown in sorted(m.acknowledge - IMPACT_IDS)
            ]
        old = m.moved_from
        if old is None:
            continue
        why = None
        if old in declared:
            why = "is still declared by a manifest; a renamed connector's old manifest must go"
        elif old in claimed:
            why = f"is also claimed by {claimed[old]}"
        if why is not None:
            problems.append(
                _error_at_name(m, "manifest/moved-from", f"{m.name}: moved_from {old!r} {why}")
            )
        claimed.setdefault(old, m.name)
    return problems


def offline_problems(
    manifests: Sequence[Manifest], *, catalog_dir: str | None = None
) -> list[Problem]:
    from kconnect.validate.keys import check_config
    from kconnect.validate.lint import lint_pipeline
    from kconnect.validate.plugin_catalogs import CatalogSet
    from kconnect.validate.structure import check_structure
    from kconnect.validate.unknown_keys import check_unknown_keys
    from kconnect.validate.values import check_classes

    catalogs = CatalogSet(snapshot_folders(manifests, catalog_dir))
    problems: list[Problem] = []
    resolved = []
    for declared in manifests:
        catalog = catalogs.get(declared.connector_class)
        manifest = declared
        if catalog is not None and catalog.cls != declared.connector_class:
            # An alias (`MySqlConnector`, `MySql`): Connect runs the class, so check the class.
            manifest = replace(declared, config={**declared.config, "connector.class": catalog.cls})
        resolved.append(manifest)
        problems.extend(check_config(manifest, catalogs, catalog))
        problems.extend(check_classes(manifest, catalogs))
        problems.extend(check_structure(manifest))
        problems.extend(check_unknown_keys(manifest, catalogs))
    problems.extend(lint_pipeline(resolved))
    return problems


def catalog_drift(client: ConnectClient, folders: Sequence[Path]) -> list[Problem]:
    """A warning per snapshot catalog whose plugin version differs from the worker's."""
    if not folders:
        return []
    from kconnect.diagnostics import warning
    from kconnect.validate.snapshot import version_drift

    live = client.plugins(connectors_only=False)
    return [
        warning("catalog/version-drift", message, hint="run `kconnect plugins snapshot`")
        for folder in folders
        for message in version_drift(folder, live)
    ]


def snapshot_folders(manifests: Sequence[Manifest], catalog_dir: str | None) -> list[Path]:
    """`catalog_dir` when given (it must exist), else the nearest `.kconnect/plugins/`."""
    from kconnect.validate.plugin_catalogs import find_snapshot

    if catalog_dir is not None:
        folder = Path(catalog_dir)
        if not folder.is_dir():
            raise KconnectError(f"--catalog {catalog_dir}: no such directory")
        return [folder]
    found = find_snapshot(m.location.path for m in manifests)
    return [found] if found is not None else []


def worker_validation(
    client: ConnectClient, manifest: Manifest
) -> tuple[list[Problem], frozenset[str]]:
    """`PUT /connector-plugins/{class}/config/validate`, mapped back to file:line."""
    config = {"name": manifest.name, **manifest.config}
    try:
        answer = client.validate(manifest.connector_class, config)
    except ApiError as exc:
        # Unknown class or no class come back as 500/400 whose message repeats the whole
        # config, passwords included: never show it.
        message = exc.worker_message.split("\n", 1)[0]
        if "Failed to find any class" in message:
            message = f"the worker has no connector plugin {manifest.connector_class!r}"
        else:
            message = message.split(" contains ", 1)[0][:200]
        return (
            [
                error(
                    "worker/validate",
                    message,
                    manifest.location_of("connector.class"),
                    connector=manifest.name,
                )
            ],
            frozenset(),
        )
    problems: list[Problem] = []
    password_keys: set[str] = {
        (item.get("definition") or {}).get("name") or ""
        for item in answer.get("configs", [])
        if (item.get("definition") or {}).get("type") == "PASSWORD"
    }
    register_password_keys(password_keys)
    register_secrets(secret_values([manifest.config], password_keys))
    for item in answer.get("configs", []):
        definition = item.get("definition") or {}
        value = item.get("value") or {}
        key = value.get("name") or definition.get("name") or ""
        if definition.get("type") == "PASSWORD":
            password_keys.add(key)
        for message in value.get("errors") or []:
            problems.append(
                error(
                    "worker/validate",
                    redact_text(f"{key}: {message}", (), password_keys),
                    manifest.location_of(key),
                    connector=manifest.name,
                )
            )
    return problems, frozenset(password_keys)


def load_valid(
    paths: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin_text: str | bytes | None = None,
    client: ConnectClient | None = None,
    scope: Scope = NO_SCOPE,
    key_rules: KeyRules = NO_KEY_RULES,
) -> ValidationReport:
    """Load and validate (with the worker too when a client is given); raise `ManifestError`
    if anything is an error, so that nothing is ever written for an invalid manifest set."""
    report = validate(
        paths, env, stdin_text=stdin_text, client=client, scope=scope, key_rules=key_rules
    )
    if not report.ok:
        raise ManifestError(report.problems)
    return report


# -- secrets ------------------------------------------------------------------------------------


def sensitive_keys_of(manifests: Iterable[Manifest]) -> frozenset[str]:
    return frozenset(k for m in manifests for k in m.sensitive_keys)


def secret_values(
    configs: Iterable[Mapping[str, str]], extra_keys: Collection[str] = ()
) -> set[str]:
    """Every value that must not appear in output (for redacting free text like traces)."""
    values: set[str] = set()
    for config in configs:
        values |= config_secret_values(config, set(extra_keys) | password_keys_for(None, config))
    return values


# -- plan and apply ---------------------------------------------------------------------------


@record
class PlanReport:
    """A plan with the validation it rests on, its safety verdict and acknowledgements."""

    plan: Plan
    validation: ValidationReport
    read_requests: int
    limits: SafetyLimits = field(default_factory=SafetyLimits)
    # Set when the plan passes a safe-plan limit: apply refuses it without --force.
    unsafe: UnsafePlan | None = None
    # Impact ids acknowledged per connector (its manifest's `acknowledge:` and kconnect.yaml).
    acknowledged: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def refused(self) -> list[tuple[str, Impact]]:
        """The `danger` impacts nobody acknowledged: apply refuses them without --force."""
        from kconnect.planning.impact import refused

        return refused({c.name: c.impacts for c in self.plan.changes}, self.acknowledged)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.plan.to_dict(),
            "safety": {
                "limits": self.limits.to_dict(),
                "unsafe": self.unsafe.to_dict() if self.unsafe else None,
                "dangers": [
                    {
                        "connector": c.name,
                        "id": i.id,
                        "acknowledged": i.id in self.acknowledged.get(c.name, ()),
                    }
                    for c in self.plan.changes
                    for i in c.dangers
                ],
            },
            "warnings": [p.to_dict() for p in self.validation.warnings],
        }

    def refuse_if_unsafe(self, *, force: bool) -> None:
        """`UnsafePlanError` or `DangerousPlanError` (before any write) unless the plan is
        safe and every danger acknowledged, or forced."""
        if force:
            return
        if self.unsafe is not None:
            raise UnsafePlanError(self.unsafe)
        if self.refused:
            raise DangerousPlanError(self.refused)


def check_lookalike_names(manifests: Iterable[Manifest], live: Iterable[str]) -> None:
    """`ManifestError` (before any write) for a manifest whose name is a live connector's
    written with other Unicode code points (`café` as one or as two): applying would create
    a second connector that looks exactly like the first."""
    from kconnect.manifests.names import normalized_name

    live_forms: dict[str, list[str]] = {}
    live = set(live)
    for name in live:
        live_forms.setdefault(normalized_name(name), []).append(name)
    problems = []
    for manifest in manifests:
        others = [
            n for n in live_forms.get(normalized_name(manifest.name), ()) if n != manifest.name
        ]
        if others and manifest.name not in live:
            problems.append(
                _error_at_name(
                    manifest,
                    "manifest/duplicate-name",
                    f"connector {manifest.name!r} and the connector {others[0]!r} on the "
                    "cluster are the same name written with different Unicode code points "
                    "(normalisation forms); applying would create a second connector that "
                    "looks alike: write the name as the cluster has it",
                )
            )
    if problems:
        raise ManifestError(problems)


@_bulk
def make_plan(
    client: ConnectClient,
    report: ValidationReport,
    *,
    prune: bool = False,
    scope: Scope = NO_SCOPE,
    targets: Sequence[str] = (),
    limits: SafetyLimits | None = None,
    acknowledge: Mapping[str, Collection[str]] | None = None,
) -> tuple[PlanReport, dict[str, dict[str, Any]]]:
    """Read the cluster with one request and plan against valid manifests (`load_valid`).
    Also returns the snapshot that was read, for apply and for redaction. A `--target` that
    matches nothing raises `TargetError`. `acknowledge`: impact ids per connector name pattern
    (kconnect.yaml), on top of each manifest's own `acknowledge:`. Offsets are read only for
    the few connectors whose impact depends on them (`offsets_wanted`)."""
    from kconnect.planning.plan import build_plan

    before = client.stats.requests
    live = client.list_expanded()
    check_lookalike_names(report.manifests, live)
    check_targets_match(targets, (m.name for m in report.manifests), live, scope, prune=prune)
    worker_keys = report.worker_password_keys

    def keys_for(manifest: Manifest | None, config: Mapping[str, str]) -> frozenset[str]:
        keys = password_keys_for(manifest, config)
        if manifest is not None:
            keys |= worker_keys.get(manifest.name, frozenset())
        return keys

    plan = build_plan(
        report.manifests,
        live,
        prune=prune,
        scope=scope,
        targets=targets,
        password_keys_for=keys_for,
        has_offsets=_has_offsets(client, report.manifests, live),
    )
    limits = limits or SafetyLimits()
    unsafe = check_safety(plan.counts.get("delete", 0), plan.owned_on_cluster, limits)
    reads = client.stats.requests - before
    acknowledged = _acknowledged(plan, report.manifests, acknowledge or {})
    return PlanReport(plan, report, reads, limits, unsafe, acknowledged), live


def _has_offsets(
    client: ConnectClient, manifests: Sequence[Manifest], live: Mapping[str, Mapping[str, Any]]
) -> dict[str, bool]:
    from kconnect.planning.impact import offsets_wanted

    configs = {n: comparable_config(live_config(e)) for n, e in live.items()}
    wanted = offsets_wanted([(m.name, m.config, m.moved_from) for m in manifests], configs)
    found: dict[str, bool] = {}
    for name in wanted:
        # No offsets endpoint before Connect 3.5: unknown, and assumed to hold some.
        # A partition whose offsets were reset may still be listed with a null offset (seen on
        # a real worker right after `DELETE .../offsets`): it holds nothing.
        with contextlib.suppress(ApiError):
            entries = client.offsets(name).get("offsets") or []
            found[name] = any(
                isinstance(e, Mapping) and e.get("offset") is not None for e in entries
            )
    return found


def _acknowledged(
    plan: Plan, manifests: Sequence[Manifest], acknowledge: Mapping[str, Collection[str]]
) -> dict[str, frozenset[str]]:
    by_name = {m.name: m for m in manifests}
    result: dict[str, frozenset[str]] = {}
    for change in plan.changes:
        manifest = by_name.get(change.name)
        ids = set(manifest.acknowledge) if manifest is not None else set()
        for pattern, pattern_ids in acknowledge.items():
            if matches_any(change.name, [pattern]):
                ids |= set(pattern_ids)
        if ids:
            result[change.name] = frozenset(ids)
    return result


@record
class ApplyReport:
    """What applying a plan wrote, and what waiting for the connectors saw."""

    plan: Plan
    result: ApplyResult
    wait: WaitResult | None
    interrupted: bool = False  # Ctrl-C: some changes not written, or the wait cut short
    # Connectors whose running config was rewritten, with the keys changed (see `Rewritten`).
    rewritten: Mapping[str, Rewritten] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            not self.interrupted and not self.result.failed and (self.wait is None or self.wait.ok)
        )

    @property
    def not_reached(self) -> tuple[str, ...]:
        """Connectors written without error that `--wait` saw FAILED or not ready in time."""
        if self.wait is None:
            return ()
        written_failed = {o.name for o in self.result.failed}
        # Cut short by Ctrl-C, those still waited for are not known to have failed.
        timed_out = () if self.wait.interrupted else self.wait.timed_out
        return tuple(
            h.name for h in (*self.wait.failed, *timed_out) if h.name not in written_failed
        )

    @property
    def counts(self) -> dict[str, int]:
        """Each connector counted once, by its final outcome: one written without error that
        then did not reach its state counts as failed (`not_reached` of them), not also as
        created or updated."""
        from kconnect.planning.plan import Action

        counts = dict(self.result.counts)
        bucket = {
            Action.CREATE: "created",
            Action.UPDATE: "updated",
            Action.RENAME: "renamed",
            Action.DELETE: "deleted",
        }
        actions = {o.name: o.action for o in self.result.outcomes if o.ok}
        for name in self.not_reached:
            if name in actions:
                counts[bucket[actions[name]]] -= 1
        counts["failed"] += len(self.not_reached)
        counts["not_reached"] = len(self.not_reached)
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            **self.result.to_dict(),
            "summary": self.counts,
            "wait": self.wait.to_dict() if self.wait else None,
        } | ({"interrupted": True} if self.interrupted else {})


def worker_features(client: ConnectClient) -> WorkerFeatures:
    from kconnect.planning.apply import WorkerFeatures

    return WorkerFeatures.from_version(str(client.server_info().get("version", "0.0")))


def apply(
    client: ConnectClient,
    plan: Plan,
    manifests: Sequence[Manifest],
    live: Mapping[str, Mapping[str, Any]],
    *,
    concurrency: int | None = None,
    wait: bool = False,
    timeout: float = 300.0,
    poll_interval: float = 1.0,
    progress: Progress | None = None,
    interrupt: Interrupt | None = None,
) -> ApplyReport:
    """Write the plan (then, with `wait`, wait for the states); `progress` hears of each
    finished write and each round of the wait (`kconnect.progress`). Once `interrupt` is set
    (Ctrl-C) no new write starts and the wait ends; the report says what was not done."""
    from kconnect.ops.wait import Rewritten, WaitResult, wait_for_states
    from kconnect.planning.apply import WorkerFeatures, apply_plan
    from kconnect.planning.plan import Action, as_written
    from kconnect.progress import ignore

    progress = progress or ignore
    # Ignored keys are written with the values `live` holds: what the plan was made against.
    by_name = {m.name: m for m in as_written(manifests, live)}
    secrets = secret_values(
        [m.config for m in manifests] + [live_config(e) for e in live.values()],
        sensitive_keys_of(manifests),
    )
    needs_features = any(
        c.action is Action.RENAME
        or (c.action is not Action.DELETE and c.state_after is not TargetState.RUNNING)
        for c in plan.changes
    )
    features = worker_features(client) if needs_features else WorkerFeatures()
    renames = [c for c in plan.changes if c.action is Action.RENAME]
    if renames and not features.initial_state:
        # Without KIP-980 the new connector would run before its offsets are written:
        # refuse before any write rather than lose (or re-send) what the old one processed.
        shown = ", ".join(f"{c.moved_from} → {c.name}" for c in renames)
        raise KconnectError(
            f"refusing to rename ({shown}): carrying offsets over needs Connect 3.7 or later "
            "(KIP-980 initial_state, KIP-875 offsets), and this worker is older; nothing was "
            "written. Upgrade the workers, or remove moved_from to create the new connector "
            "without the old one's offsets"
        )
    result = apply_plan(
        client,
        plan,
        by_name,
        features=features,
        concurrency=concurrency,
        secrets=secrets,
        progress=progress,
        interrupt=interrupt,
    )
    # A running connector whose config was rewritten: its status is the old instance's until
    # the worker restarts it with the new config (judged by `--wait` and by reconcile).
    rewritten = {
        o.name: Rewritten.between(
            comparable_config(live_config(live[o.name])),
            comparable_config(by_name[o.name].config),
        )
        for o in result.outcomes
        if o.ok
        and o.action is Action.UPDATE
        and "updated" in o.steps
        and by_name[o.name].state is TargetState.RUNNING
    }
    waited = None
    stopped = interrupt is not None and interrupt.is_set()
    if wait and not stopped:
        applied_ok = {o.name for o in result.outcomes if o.ok and o.action is not Action.DELETE}
        targets = {name: by_name[name].state for name in applied_ok}
        if targets:
            waited = wait_for_states(
                client,
                targets,
                timeout=timeout,
                poll_interval=poll_interval,
                secrets=secrets,
                rewritten=rewritten,
                progress=progress,
                interrupt=interrupt,
            )
        else:
            waited = WaitResult((), (), ())
    return ApplyReport(
        plan, result, waited, interrupt is not None and interrupt.is_set(), rewritten
    )


# -- status -------------------------------------------------------------------------------------


@record
class StatusReport:
    """The health of each connector asked about, and the names the cluster lacks."""

    connectors: tuple[ConnectorHealth, ...]
    missing: tuple[str, ...] = ()

    @property
    def healthy(self) -> bool:
        return all(c.healthy for c in self.connectors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "connectors": [c.to_dict() for c in self.connectors],
            "missing": list(self.missing),
        }


@_bulk
def status(
    client: ConnectClient, names: Sequence[str] = (), *, key_rules: KeyRules = NO_KEY_RULES
) -> StatusReport:
    """Health of the named connectors (all when none are named), from one cluster read; named
    connectors the cluster does not have are listed in `missing`. A trace never shows a value
    of kconnect.yaml's `sensitive_keys` (`key_rules`)."""
    from kconnect.health import connector_health

    live = client.list_expanded()
    sensitive = frozenset().union(*(key_rules.sensitive_for(n) for n in live))
    secrets = secret_values((live_config(e) for e in live.values()), sensitive)
    wanted = list(dict.fromkeys(names)) or sorted(live)
    return StatusReport(
        tuple(connector_health(n, live[n].get("status"), secrets) for n in wanted if n in live),
        tuple(n for n in wanted if n not in live),
    )


def manifest_location(report: ValidationReport, name: str) -> Location | None:
    for manifest in report.manifests:
        if manifest.name == name:
            return manifest.location
    return None


__all__ = [
    "ApplyReport",
    "PlanReport",
    "Severity",
    "StatusReport",
    "ValidationReport",
    "apply",
    "load_valid",
    "make_plan",
    "status",
    "validate",
]
