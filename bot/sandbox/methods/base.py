"""What every group of API methods shares: the ``@api_method`` mark and the sandbox context."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core import FakeBotApi
    from ..state import World

__all__ = ["Handler", "MethodGroup", "api_method"]

# A method takes the decoded parameters and the uploaded files; it returns the "result"
# (or an awaitable of it) or raises ApiError.
Handler = Callable[[dict, dict], Any]


def api_method(name: str) -> Callable[[Callable], Callable]:
    """Mark a MethodGroup method as the implementation of Bot API method `name`."""

    def mark(fn: Callable) -> Callable:
        fn.api_method = name  # type: ignore[attr-defined]
        return fn

    return mark


class MethodGroup:
    """A few related Bot API methods; they read and change the sandbox through ``api``."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def world(self) -> World:
        return self.api.world  # looked up on each use: reset() makes a new World

    def handlers(self) -> dict[str, Handler]:
        """{official method name: bound handler} for every ``@api_method`` of this group."""
        found: dict[str, Handler] = {}
        for klass in reversed(type(self).__mro__):
            for attr, value in vars(klass).items():
                name = getattr(value, "api_method", None)
                if isinstance(name, str):
                    found[name] = getattr(self, attr)
        return found
