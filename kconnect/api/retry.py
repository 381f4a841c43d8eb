"""How a failed request is classified: worth another attempt, final, or of unknown outcome.

The policy follows what real workers do (see ../shared/reference/connect-rest-api.md §1, §6).
"""

from __future__ import annotations


class Transient(Exception):
    """Marker: worth another attempt; `cause` is the error to raise once attempts run out."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def is_rebalance_500(message: str) -> bool:
    return "rebalance is expected" in message


def forward_failure(message: str) -> str | None:
    """A follower could not forward a write to the leader (seen while the leader restarts):
    "refused" means the leader never got it; anything else (EOF, reset) may have run there."""
    if not message.startswith("IO Error trying to forward REST request"):
        return None
    return "refused" if "ConnectException" in message else "unknown"


def is_request_timed_out(message: str) -> bool:
    return message.startswith("Request timed out")
