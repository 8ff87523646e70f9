"""The registry of typed answers: which handler takes the text a person types, by the kind of
the question they were asked (``services/awaiting.py``).

A handler registers with ``@typed_answer("kind", ...)`` and returns True when it used the
text; False lets the router carry on (a "stop" word, else the usual hint).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.handlers.common import BotContext
from bot.storage.awaiting import Awaiting

Answer = Callable[[Update, BotContext, Awaiting], Awaitable[bool]]
REGISTRY: dict[str, Answer] = {}


def typed_answer(*kinds: str) -> Callable[[Answer], Answer]:
    def register(handler: Answer) -> Answer:
        for kind in kinds:
            assert kind not in REGISTRY, f"two handlers for typed answers of {kind!r}"
            REGISTRY[kind] = handler
        return handler

    return register
