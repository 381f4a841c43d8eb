"""Regex reasoning for topic matching: overlap of two regexes, Java regex and replacement syntax.

`regex_overlap` over-approximates: it never claims "no match" when one is possible, within the
constructs it understands, and answers "maybe" (None) for the rest."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kconnect.records import field, record

try:  # `re`'s own parser, to compare regexes; renamed in 3.11 (the old name warns)
    import re._parser as _sre  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre


class _Unsupported(Exception):
    """A regex construct the overlap check does not model; callers then assume a match."""


_MAX_STATES = 5000
_CATEGORIES: Mapping[str, tuple[Callable[[str], bool], bool]] = {
    "CATEGORY_DIGIT": (str.isdigit, False),
    "CATEGORY_NOT_DIGIT": (str.isdigit, True),
    "CATEGORY_WORD": (lambda c: c.isalnum() or c == "_", False),
    "CATEGORY_NOT_WORD": (lambda c: c.isalnum() or c == "_", True),
    "CATEGORY_SPACE": (str.isspace, False),
    "CATEGORY_NOT_SPACE": (str.isspace, True),
}


@record
class _CharSet:
    """One NFA transition label: literal chars, ranges and `\\d`-style categories."""

    chars: frozenset[str] = frozenset()
    ranges: tuple[tuple[str, str], ...] = ()
    categories: tuple[str, ...] = ()
    negate: bool = False
    icase: bool = False

    def _hit(self, c: str) -> bool:
        if c in self.chars or any(lo <= c <= hi for lo, hi in self.ranges):
            return True
        for name in self.categories:
            test, inverted = _CATEGORIES[name]
            if test(c) != inverted:
                return True
        return False

    def __call__(self, c: str) -> bool:
        variants = (c, c.lower(), c.upper()) if self.icase else (c,)
        return any(self._hit(v) for v in variants) != self.negate


@record(frozen=False)
class _NFA:
    eps: list[list[int]] = field(default_factory=list)
    edges: list[list[tuple[_CharSet, int]]] = field(default_factory=list)
    chars: set[str] = field(default_factory=set)

    def state(self) -> int:
        if len(self.eps) > _MAX_STATES:
            raise _Unsupported("too large")
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def step(self, cur: int, label: _CharSet) -> int:
        nxt = self.state()
        self.edges[cur].append((label, nxt))
        return nxt

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        seen = set(states)
        todo = list(seen)
        while todo:
            for nxt in self.eps[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return frozenset(seen)


def _char_set(items: Any, icase: bool, nfa: _NFA) -> _CharSet:
    negate = False
    chars: set[str] = set()
    ranges: list[tuple[str, str]] = []
    categories: list[str] = []
    for op, arg in items:
        kind = str(op)
        if kind == "NEGATE":
            negate = True
        elif kind == "LITERAL":
            chars.add(chr(arg))
        elif kind == "RANGE":
            ranges.append((chr(arg[0]), chr(arg[1])))
        elif kind == "CATEGORY" and str(arg) in _CATEGORIES:
            categories.append(str(arg))
        else:
            raise _Unsupported(kind)
    for c in chars | {c for r in ranges for c in r}:
        nfa.chars.update({c, c.lower(), c.upper()})
    return _CharSet(frozenset(chars), tuple(ranges), tuple(categories), negate, icase)


def _build(nfa: _NFA, items: Any, start: int, icase: bool) -> int:
    """Thompson construction over `re`'s parse tree; returns the end state."""
    cur = start
    for op, arg in items:
        kind = str(op)
        if kind in ("LITERAL", "NOT_LITERAL"):
            ch = chr(arg)
            nfa.chars.update({ch, ch.lower(), ch.upper()})
            cur = nfa.step(cur, _CharSet(frozenset({ch}), negate=kind != "LITERAL", icase=icase))
        elif kind == "ANY":
            cur = nfa.step(cur, _CharSet(frozenset({"\n"}), negate=True))
        elif kind == "IN":
            cur = nfa.step(cur, _char_set(arg, icase, nfa))
        elif kind == "SUBPATTERN":
            cur = _build(nfa, arg[-1], cur, icase or bool(arg[1] & re.IGNORECASE))
        elif kind == "ATOMIC_GROUP":
            cur = _build(nfa, arg, cur, icase)
        elif kind == "BRANCH":
            end = nfa.state()
            for alt in arg[1]:
                alt_start = nfa.state()
                nfa.eps[cur].append(alt_start)
                nfa.eps[_build(nfa, alt, alt_start, icase)].append(end)
            cur = end
        elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            cur = _build_repeat(nfa, arg, cur, icase)
        elif kind != "AT":  # anchors/boundaries are skipped: that only widens the language
            raise _Unsupported(kind)
    return cur


def _build_repeat(nfa: _NFA, arg: Any, cur: int, icase: bool) -> int:
    lo, hi, sub = arg
    unbounded = hi == _sre.MAXREPEAT
    if lo > 50 or (not unbounded and hi > 50):
        raise _Unsupported("large repeat")
    for _ in range(lo):
        cur = _build(nfa, sub, cur, icase)
    if unbounded:
        loop = nfa.state()
        nfa.eps[cur].append(loop)
        nfa.eps[_build(nfa, sub, loop, icase)].append(loop)
        return loop
    end = nfa.state()
    for _ in range(hi - lo):
        nfa.eps[cur].append(end)
        cur = _build(nfa, sub, cur, icase)
    nfa.eps[cur].append(end)
    return end


def _compile_nfa(pattern: str) -> tuple[_NFA, int, int]:
    parsed = _sre.parse(pattern)
    icase = bool(parsed.state.flags & re.IGNORECASE)
    nfa = _NFA()
    start = nfa.state()
    end = _build(nfa, parsed, start, icase)
    return nfa, start, end


def regex_overlap(a: str, b: str) -> bool | None:
    """Whether some string fully matches both regexes: False only when certainly not,
    None when a construct is not modelled (or a pattern does not compile)."""
    try:
        na, sa, ea = _compile_nfa(a)
        nb, sb, eb = _compile_nfa(b)
    except (_Unsupported, re.error, RecursionError):
        return None
    alphabet = sorted(na.chars | nb.chars | set("aA0_-.$ é\x01"))
    start = (na.closure([sa]), nb.closure([sb]))
    seen = {start}
    todo = [start]
    while todo:
        left, right = todo.pop()
        if ea in left and eb in right:
            return True
        moves: dict[str, tuple[set[int], set[int]]] = {}
        for ch in alphabet:
            la = {t for s in left for p, t in na.edges[s] if p(ch)}
            if not la:
                continue
            lb = {t for s in right for p, t in nb.edges[s] if p(ch)}
            if lb:
                moves[ch] = (la, lb)
        for la, lb in moves.values():
            pair = (na.closure(la), nb.closure(lb))
            if pair not in seen:
                if len(seen) > _MAX_STATES:
                    return None
                seen.add(pair)
                todo.append(pair)
    return False


_REPEATS = frozenset(
    getattr(_sre, name)
    for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
    if hasattr(_sre, name)
)


@functools.lru_cache(maxsize=256)
def backtracking_risk(pattern: str) -> bool:
    """True when `pattern` repeats something that itself repeats (`(a+)+b`, `(.*)*x`,
    `([a-z]+)*$`): a backtracking matcher — Python's and Java's alike — can then take
    exponential time on a string that almost matches. Such a pattern is not run offline
    against user values; the checks that need it answer "maybe" instead of hanging."""
    try:
        parsed = _sre.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return False

    def nested(items: Any, inside: bool) -> bool:
        for op, av in items:
            if op in _REPEATS:
                _low, high, body = av
                many = high == _sre.MAXREPEAT or high > 1
                if (many and inside) or nested(body, inside or many):
                    return True
            elif op == _sre.SUBPATTERN:
                if nested(av[-1], inside):
                    return True
            elif op == _sre.BRANCH:
                if any(nested(branch, inside) for branch in av[1]):
                    return True
            elif op in (_sre.ASSERT, _sre.ASSERT_NOT) and nested(av[1], inside):
                return True
        return False

    return nested(parsed, False)


def bounded_fullmatch(pattern: str, text: str) -> bool | None:
    """`re.fullmatch(pattern, text)`, or None when the pattern does not compile or could take
    exponential time (`backtracking_risk`)."""
    if backtracking_risk(pattern):
        return None
    try:
        return re.fullmatch(pattern, text) is not None
    except (re.error, RecursionError, OverflowError):
        return None


def java_regex(pattern: str) -> str:
    """Java regex → Python: named groups `(?<name>` become `(?P<name>`."""
    return re.sub(r"\(\?<(?![=!])", "(?P<", pattern)


def java_replace(match: re.Match[str], replacement: str) -> str:
    """`Matcher.replaceFirst` semantics: `$1`, `${name}`, and backslash escapes."""
    out: list[str] = []
    i = 0
    while i < len(replacement):
        ch = replacement[i]
        if ch == "\\" and i + 1 < len(replacement):
            out.append(replacement[i + 1])
            i += 2
        elif ch == "$":
            named = re.match(r"\{(\w+)\}", replacement[i + 1 :])
            digits = re.match(r"\d+", replacement[i + 1 :])
            if named:
                out.append(match.group(named.group(1)) or "")
                i += 1 + named.end()
            elif digits:
                out.append(match.group(int(digits.group())) or "")
                i += 1 + digits.end()
            else:
                out.append(ch)
                i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)
