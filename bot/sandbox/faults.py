"""Fault injection: errors a test queues for the next calls (429, 403, 400, migrate, 500).

Also the 403 a user's block gives: both are checked before a method runs, in this order.
"""

from __future__ import annotations

from dataclasses import dataclass

from .protocol import ApiError

__all__ = ["FAULTS", "Faults"]

# kind -> (HTTP status, description; {retry_after} is filled in)
FAULTS = {
    "retry_after": (429, "Too Many Requests: retry after {retry_after}"),
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "chat_not_found": (400, "Bad Request: chat not found"),
    "migrate": (400, "Bad Request: group chat was upgraded to a supergroup chat"),
    "server_error": (500, "Internal Server Error"),
}
# Methods a user's block makes fail (they write into the user's private chat).
BLOCKABLE_PREFIXES = ("send", "edit", "copy", "forward", "stoppoll")


@dataclass
class Fault:
    method: str  # lower-case method name, or "*"
    kind: str
    chat_id: int | None
    remaining: int
    retry_after: int
    migrate_to_chat_id: int | None


class Faults:
    """The queue of injected faults, and how many were used."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []
        self.injected = 0

    def add(
        self,
        method: str,
        kind: str,
        *,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int = 1,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of `method` ("*" = any method) fail with `kind`."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULTS)}")
        self.pending.append(
            Fault(method.lower(), kind, chat_id, times, retry_after, migrate_to_chat_id)
        )

    def check(self, name: str, params: dict) -> None:
        """Raise the first queued fault that matches this call (lower-case `name`)."""
        for fault in self.pending:
            if fault.method not in (name, "*"):
                continue
            if fault.chat_id is not None and params.get("chat_id") != fault.chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self.pending.remove(fault)
            self.injected += 1
            code, text = FAULTS[fault.kind]
            parameters = None
            if fault.kind == "retry_after":
                parameters = {"retry_after": fault.retry_after}
            elif fault.kind == "migrate":
                target = fault.migrate_to_chat_id
                if target is None:
                    chat = params.get("chat_id")
                    target = int(f"-100{abs(chat)}") if isinstance(chat, int) else -1001234567890
                parameters = {"migrate_to_chat_id": target}
            raise ApiError(code, text.format(retry_after=fault.retry_after), parameters)


def check_blocked(blocked: set[int], name: str, params: dict) -> None:
    """403 for a message to a user who blocked the bot."""
    chat_id = params.get("chat_id")
    if chat_id in blocked and name.startswith(BLOCKABLE_PREFIXES):
        raise ApiError(403, "Forbidden: bot was blocked by the user")
