"""Ownership scopes and targets: which connectors on a shared cluster this repository may touch.

A scope is a set of name globs (`team-a-*`, `orders-cdc`). A connector outside it is never
written, paused, restarted or deleted, whatever the manifests or `--prune` say. Targets
(`--target`) narrow one plan further to the named connectors.

Globs are `fnmatch` patterns matched case-sensitively against the whole name (Connect names
are case-sensitive): `*`, `?`, `[abc]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from typing import Any

from kconnect.errors import KconnectError, UsageError
from kconnect.records import record


class ScopeError(UsageError):
    """A scope or target pattern given on the command line that can never mean what its
    author wants (`--owns ""`, a path-like pattern)."""


class TargetError(KconnectError):
    """A `--target` matches nothing this plan could touch: a typo must not pass as "no
    changes" in CI. Nothing was written."""


def check_pattern(pattern: object, what: str) -> str:
    """`pattern` as a usable glob, or `ScopeError` saying why it is not one."""
    if not isinstance(pattern, str):
        raise ScopeError(f"{what} must be a string, not {type(pattern).__name__}")
    if not pattern.strip():
        raise ScopeError(
            f"{what} must not be empty: an empty pattern matches no connector "
            "(use '*' to own every connector on the cluster)"
        )
    if pattern != pattern.strip():
        raise ScopeError(f"{what} {pattern!r} has leading or trailing spaces")
    if "/" in pattern:
        raise ScopeError(
            f"{what} {pattern!r} contains '/': patterns match connector names, not manifest "
            "paths, and a connector name cannot contain '/'"
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in pattern):
        raise ScopeError(f"{what} {pattern!r} contains control characters")
    if (column := _unclosed_bracket(pattern)) is not None:
        # fnmatch would quietly read it as a literal '[', a scope that matches nothing meant.
        raise ScopeError(
            f"{what} {pattern!r} has an unclosed '[' at column {column} "
            "(write '[[]' to match a literal '[')"
        )
    return pattern


def _unclosed_bracket(pattern: str) -> int | None:
    """The 1-based column of a '[' that opens no character set, as fnmatch reads sets: a ']'
    right after '[' or '[!' belongs to the set."""
    i = 0
    while i < len(pattern):
        if pattern[i] == "[":
            j = i + 1
            if j < len(pattern) and pattern[j] == "!":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            end = pattern.find("]", j)
            if end < 0:
                return i + 1
            i = end
        i += 1
    return None


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(name, p) for p in patterns)


@record
class Scope:
    """The connectors this repository owns. `patterns` is None when no scope is declared:
    then every connector counts as owned (the old whole-cluster behaviour)."""

    patterns: tuple[str, ...] | None = None
    source: str | None = None  # "kconnect.yaml path" or "--owns"

    @classmethod
    def of(cls, patterns: Sequence[str], source: str) -> Scope:
        what = "--owns" if source == "--owns" else "owns pattern"
        return cls(tuple(dict.fromkeys(check_pattern(p, what) for p in patterns)), source)

    @property
    def declared(self) -> bool:
        return self.patterns is not None

    def owns(self, name: str) -> bool:
        return self.patterns is None or matches_any(name, self.patterns)

    def describe(self) -> str:
        if self.patterns is None:
            return "no ownership scope"
        return ", ".join(self.patterns)

    def to_dict(self) -> dict[str, Any]:
        owns = list(self.patterns) if self.patterns is not None else None
        return {"owns": owns, "source": self.source}


NO_SCOPE = Scope()


def check_targets(targets: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(check_pattern(t, "--target") for t in targets))


def check_targets_match(
    targets: Sequence[str],
    declared: Iterable[str],
    live: Iterable[str],
    scope: Scope,
    *,
    prune: bool,
) -> None:
    """Every target must match a declared connector (or, with --prune, an owned connector on
    the cluster): `TargetError` naming the first that does not."""
    declared, live = list(declared), list(live)
    for target in targets:
        if any(fnmatchcase(n, target) for n in declared):
            continue
        owned_live = [n for n in live if scope.owns(n) and fnmatchcase(n, target)]
        if prune and owned_live:
            continue
        foreign = sorted(n for n in live if not scope.owns(n) and fnmatchcase(n, target))
        if foreign:
            raise TargetError(
                f"--target {target!r} matches only connectors not owned by this scope "
                f"({_shown(foreign)}); they are never written. Nothing was written"
            )
        where = "no manifest and no owned connector on the cluster" if prune else "no manifest"
        raise TargetError(f"--target {target!r} matches {where}; nothing was written")


class MatchError(KconnectError):
    """A `--match` pattern selects no connector this command may act on: refused before
    anything is done, so a typo never passes as "nothing to do"."""


@record
class Selection:
    """The connectors a command acts on: the names given, then what each `--match` pattern
    matched on the live cluster (inside the ownership scope), in name order, once each."""

    names: tuple[str, ...]
    matched: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (pattern, owned connectors)
    not_owned: tuple[str, ...] = ()  # matched, but outside the scope: left alone

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "matched": {pattern: list(names) for pattern, names in self.matched},
            "not_owned": list(self.not_owned),
        }


def select_connectors(
    names: Sequence[str], patterns: Sequence[str], live: Iterable[str], scope: Scope
) -> Selection:
    """Resolve `--match` globs against the live connector names. Each pattern must match at
    least one owned connector (`MatchError` otherwise, naming what it matched outside the
    scope); matches outside the scope are reported, never selected."""
    checked = tuple(dict.fromkeys(check_pattern(p, "--match") for p in patterns))
    live_names = sorted(set(live))
    matched: list[tuple[str, tuple[str, ...]]] = []
    not_owned: dict[str, None] = {}
    for pattern in checked:
        hits = [n for n in live_names if fnmatchcase(n, pattern)]
        owned = tuple(n for n in hits if scope.owns(n))
        foreign = [n for n in hits if not scope.owns(n)]
        not_owned.update(dict.fromkeys(foreign))
        if not owned:
            if foreign:
                raise MatchError(
                    f"--match {pattern!r} matches only connectors outside the ownership scope "
                    f"({scope.describe()}): {_shown(foreign)}; nothing was done"
                )
            raise MatchError(
                f"--match {pattern!r} matches no connector on the cluster; nothing was done"
            )
        matched.append((pattern, owned))
    selected = dict.fromkeys(names)
    for _pattern, owned in matched:
        selected.update(dict.fromkeys(owned))
    return Selection(tuple(selected), tuple(matched), tuple(not_owned))


def _shown(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
