"""The Bot API methods the sandbox implements, grouped by what they touch.

Each group is a :class:`MethodGroup` whose ``@api_method("sendMessage")`` methods take the
decoded parameters and uploaded files and return the result (or raise ``ApiError``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Handler, MethodGroup, api_method
from .chats import ChatMethods
from .media import MediaMethods
from .messages import MessageMethods
from .polls import PollMethods
from .profile import ProfileMethods
from .updates import UpdateMethods

if TYPE_CHECKING:
    from ..core import FakeBotApi

__all__ = ["GROUPS", "Handler", "MethodGroup", "api_method", "dispatch_table"]

GROUPS: tuple[type[MethodGroup], ...] = (
    UpdateMethods,
    MessageMethods,
    MediaMethods,
    PollMethods,
    ChatMethods,
    ProfileMethods,
)


def dispatch_table(api: FakeBotApi) -> dict[str, Handler]:
    """{lower-case method name: handler} for every method of every group."""
    table: dict[str, Handler] = {}
    for group in GROUPS:
        for name, handler in group(api).handlers().items():
            if name.lower() in table:
                raise RuntimeError(f"Bot API method {name} is implemented twice")
            table[name.lower()] = handler
    return table
