"""Problems gathered while loading, so that one run reports every bad manifest at once."""

from __future__ import annotations

from collections.abc import Callable

from kconnect.diagnostics import Location, Problem, error, note, warning
from kconnect.manifests.text import TextProblem
from kconnect.records import field, record


@record(frozen=False)
class Collector:
    """What loading the manifests found: problems, and every name declared, with where."""

    problems: list[Problem] = field(default_factory=list)
    # Every connector name declared so far, with where, to report duplicates across files.
    declared: list[tuple[str, Location]] = field(default_factory=list)
    # What declared a name, where that is more than a manifest ("KafkaConnector team-a/x").
    declared_by: dict[Location, str] = field(default_factory=dict)
    # The strimzi.io/cluster label of every KafkaConnector read, with where.
    strimzi_clusters: list[tuple[str, Location]] = field(default_factory=list)

    def add(self, rule: str, message: str, location: Location, **kw: str) -> None:
        self.problems.append(error(rule, message, location, **kw))

    def warn(self, rule: str, message: str, location: Location, **kw: str) -> None:
        self.problems.append(warning(rule, message, location, **kw))

    def note(self, rule: str, message: str, location: Location, **kw: str) -> None:
        self.problems.append(note(rule, message, location, **kw))

    def declare(self, name: str, location: Location, what: str | None = None) -> None:
        self.declared.append((name, location))
        if what is not None:
            self.declared_by[location] = what

    def read(self, read: Callable[[], str], display: str) -> str | None:
        """The text `read` returns; None, with the problem reported at `display`, when the
        file cannot be read or decoded."""
        try:
            return read()
        except TextProblem as exc:
            self.add("manifest/encoding", exc.message, Location(display, exc.line))
        except OSError as exc:
            self.add(
                "manifest/unreadable", f"cannot read file: {exc.strerror}", Location(display, 0)
            )
        return None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]
