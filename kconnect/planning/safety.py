"""Safe-plan limits: refuse a plan that deletes too much before any write (octoDNS's
`raise_if_unsafe`).

A missing directory, a wrong working directory or a typo in a scope can turn a routine
`apply --prune` into a mass deletion; a plan past these limits needs `--force`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kconnect.errors import KconnectError
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.planning.impact import Impact


@record
class SafetyLimits:
    """How many deletes a plan may hold before it needs `--force`."""

    # More than this share of the owned connectors on the cluster deleted at once is unsafe...
    max_delete_percent: float = 25.0
    # ...once at least this many owned connectors exist (deleting 1 of 2 is routine).
    min_existing: int = 4
    # More deletes than this is unsafe whatever the share.
    max_deletes: int = 10

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_delete_percent": self.max_delete_percent,
            "min_existing": self.min_existing,
            "max_deletes": self.max_deletes,
        }


@record
class UnsafePlan:
    """Why a plan is unsafe: which limit it passes, in words a user can act on."""

    deletes: int
    owned: int
    limit: str  # "max_deletes" or "max_delete_percent"
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "deletes": self.deletes,
            "owned": self.owned,
            "limit": self.limit,
            "message": self.message,
        }


class UnsafePlanError(KconnectError):
    """The plan passes a safe-plan limit and `--force` was not given. Nothing was written."""

    def __init__(self, unsafe: UnsafePlan) -> None:
        self.unsafe = unsafe
        super().__init__(
            f"refusing an unsafe plan: {unsafe.message}; nothing was written. Check the "
            "manifests and the scope, then re-run with --force to apply it anyway (or raise "
            "the limit: --max-deletes, --max-delete-percent, or limits: in kconnect.yaml)"
        )


def _percent(value: float) -> str:
    return f"{value:.4g} %"


def check_safety(deletes: int, owned: int, limits: SafetyLimits) -> UnsafePlan | None:
    """`deletes` of `owned` existing owned connectors: None when safe."""
    if deletes > limits.max_deletes:
        return UnsafePlan(
            deletes,
            owned,
            "max_deletes",
            f"it deletes {deletes} connectors, more than the limit of {limits.max_deletes} "
            "(max_deletes)",
        )
    if owned >= limits.min_existing and owned > 0:
        share = deletes * 100.0 / owned
        if share > limits.max_delete_percent:
            return UnsafePlan(
                deletes,
                owned,
                "max_delete_percent",
                f"it deletes {deletes} of the {owned} owned connectors ({_percent(share)}), "
                f"more than the limit of {_percent(limits.max_delete_percent)} "
                "(max_delete_percent)",
            )
    return None


class DangerousPlanError(KconnectError):
    """The plan holds a `danger` impact nobody acknowledged and `--force` was not given.
    Nothing was written."""

    def __init__(self, refused: list[tuple[str, Impact]]) -> None:
        self.refused = refused
        shown = "; ".join(f"{name}: {impact.id} ({impact.message})" for name, impact in refused)
        first_name, first = refused[0]
        super().__init__(
            f"refusing a plan with {len(refused)} dangerous change(s): {shown}; nothing was "
            f"written. Instead: {first.advice}. To apply it anyway, acknowledge each impact "
            f"in the connector's manifest (acknowledge: [{first.id}] in {first_name}'s), or "
            "in kconnect.yaml (acknowledge:), or re-run with --force"
        )

    def to_list(self) -> list[dict[str, Any]]:
        return [{"connector": name, **impact.to_dict()} for name, impact in self.refused]
