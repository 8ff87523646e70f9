"""Hypothesis strategies for hostile or malformed Telegram updates."""

from __future__ import annotations

import itertools
from dataclasses import fields
from typing import get_type_hints

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.views.buttons import Button, registered

JUNK_USER_ID = 6000
ADMIN_ID = 1000  # BOT_ADMIN_IDS in the handler and end-to-end tests
text = st.text(max_size=300) | st.sampled_from(
    [
        "/",
        "/start@OtherBot",
        "/help extra args",
        "/language@CommonGroundBot",
        "/" + "x" * 200,
        "x" * 5000,
        "<b>unclosed",
        "&",
        "\u202e",
        "\x00",
        "/mydata",
        "/forget",
        "/status",
        "/start abcdefghijkl",
        "/start " + "x" * 64,
        "/profile",
        "/pending",
        "/approve @nobody",
        "/approve 6001",
        "/reject 6002 because",
        "/ban",
        "/warn rude",
        "/mute 99999w rude",
        "/mute 0m",
        "/linkgroup Maple",
        "/building add Maple Court",
        "/building archive 1",
        "/invite 1 0",
        "/invite revoke x",
        "/promote @x steward",
        "/demote 1",
        "/residents 99",
        "/audit 99999",
        "stop",
        "停止",
    ]
)


def field_kinds(cls: type[Button]) -> dict[str, object]:
    """What each field of a button class carries: ``int``, the frozenset of its ``choices``,
    or ``str`` (any text)."""
    hints = get_type_hints(cls)
    return {
        spec.name: int if hints[spec.name] is int else spec.metadata.get("choices", str)
        for spec in fields(cls)
    }


def every_button(ints: list[int], texts: dict[str, list[str]]) -> list[Button]:
    """Every registered button, once for each combination of values: ``int`` fields from
    ``ints``, fields with choices from their choices, other ``str`` fields from ``texts``."""
    found = []
    for cls in (cls for family in registered().values() for cls in family):
        options = []
        for name, kind in field_kinds(cls).items():
            if kind is str and name not in texts:
                raise LookupError(f"{cls.__name__}.{name}: say which texts it may carry")
            options.append(ints if kind is int else texts[name] if kind is str else sorted(kind))
        found += [cls(*values) for values in itertools.product(*options)]
    return found


# Presses of real buttons, aimed at building #1 and at a junk user (6001), and raw data no
# button of ours carries (a missing or unknown value, a word for a number, a bad signature).
BUTTON_DATA = [
    *(
        b.pack()
        for b in every_button(
            [1, JUNK_USER_ID + 1],
            {"kind": ["res", "aud", "inv", "bld"], "signature": ["0123456789"]},
        )
    ),
    *("lang:set:", "lang:set:zz", "su:bld:x", "su:ten:x", "mod:ok:x", "pg:zz:0:0", "su:grp:1:ü"),
]

user_strategy = st.fixed_dictionaries(
    {
        # residents, and now and then the configured admin (so steward paths run too)
        "id": st.integers(JUNK_USER_ID, JUNK_USER_ID + 5) | st.just(ADMIN_ID),
        "is_bot": st.just(False),
        "first_name": st.text(min_size=1, max_size=80),
    },
    optional={
        "language_code": st.sampled_from(["es", "zh-TW", "ar", "xx-YY", "", "EN"]),
        "username": st.from_regex(r"[a-z]{5,10}", fullmatch=True),
    },
)


@st.composite
def junk_update(draw) -> dict:
    user = draw(user_strategy)
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    if draw(st.booleans()):
        chat = {
            "id": draw(st.integers(-(10**12), -1)),
            "type": draw(st.sampled_from(["group", "supergroup", "channel"])),
            "title": draw(text),
        }
    kind = draw(
        st.sampled_from(
            [
                "message",
                "edited_message",
                "callback_query",
                "channel_post",
                "sticker",
                "unknown",
                "no_from",
            ]
        )
    )
    body = draw(text)
    message = {
        "message_id": draw(st.integers(1, 10**6)),
        "date": 1700000000,
        "chat": chat,
        "from": user,
        "text": body,
    }
    if body.startswith("/") and draw(st.booleans()):
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": draw(st.integers(0, len(body) + 5))}
        ]
    if kind == "message":
        return {"message": message}
    if kind == "edited_message":
        return {"edited_message": {**message, "edit_date": 1700000001}}
    if kind == "channel_post":
        message.pop("from")
        return {"channel_post": message}
    if kind == "sticker":
        message.pop("text")
        message["sticker"] = {
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
        return {"message": message}
    if kind == "no_from":
        message.pop("from")
        return {"message": message}
    if kind == "unknown":
        return {"some_future_update": {"x": body}}
    return {
        "callback_query": {
            "id": str(draw(st.integers(1, 10**9))),
            "from": user,
            "chat_instance": "c",
            "data": draw(st.text(max_size=64) | st.sampled_from(BUTTON_DATA)),
            "message": message,
        }
    }


def generate_junk(count: int) -> list[dict]:
    batches: list[dict] = []

    @settings(
        max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(junk_update())
    def collect(update):
        batches.append(update)

    collect()
    return batches
