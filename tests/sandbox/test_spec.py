"""The sandbox against the Bot API reference: required parameters and documented limits."""

from __future__ import annotations

import json

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReactionTypeEmoji,
    ReplyKeyboardMarkup,
)
from telegram.error import BadRequest

from bot.sandbox.core import FakeBotApi

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
REPLY_KEYBOARD = ReplyKeyboardMarkup([[KeyboardButton("x")]])

# For each method the sandbox implements that has required parameters (core.telegram.org/
# bots/api, Bot API 10.x): a valid call, and the parameters it cannot do without. setWebhook
# is left out: its "required" url may be missing, which removes the webhook, as in Telegram.
REQUIRED = {
    "sendMessage": ({"chat_id": 2000, "text": "x"}, ["chat_id", "text"]),
    "sendDocument": ({"chat_id": 2000, "document": "DOC"}, ["chat_id", "document"]),
    "sendPhoto": ({"chat_id": 2000, "photo": "PHOTO"}, ["chat_id", "photo"]),
    "getFile": ({"file_id": "DOC"}, ["file_id"]),
    "sendPoll": (
        {"chat_id": 2000, "question": "Q", "options": ["a", "b"]},
        ["chat_id", "question", "options"],
    ),
    "stopPoll": ({"chat_id": 2000, "message_id": "POLL"}, ["chat_id", "message_id"]),
    "editMessageText": (
        {"chat_id": 2000, "message_id": "TEXT", "text": "new"},
        ["chat_id", "message_id", "text"],
    ),
    "editMessageCaption": (
        {"chat_id": 2000, "message_id": "CAPTIONED", "caption": "new"},
        ["chat_id", "message_id"],
    ),
    "editMessageReplyMarkup": (
        {"chat_id": 2000, "message_id": "TEXT", "reply_markup": KEYBOARD.to_dict()},
        ["chat_id", "message_id"],
    ),
    "deleteMessage": ({"chat_id": 2000, "message_id": "TEXT"}, ["chat_id", "message_id"]),
    "deleteMessages": ({"chat_id": 2000, "message_ids": ["TEXT"]}, ["chat_id", "message_ids"]),
    "setMessageReaction": ({"chat_id": 2000, "message_id": "TEXT"}, ["chat_id", "message_id"]),
    "sendChatAction": ({"chat_id": 2000, "action": "typing"}, ["chat_id", "action"]),
    "answerCallbackQuery": ({"callback_query_id": "QUERY"}, ["callback_query_id"]),
    "setMyCommands": (
        {"commands": [{"command": "start", "description": "Start"}]},
        ["commands"],
    ),
    "getChat": ({"chat_id": -1001}, ["chat_id"]),
    "getChatAdministrators": ({"chat_id": -1001}, ["chat_id"]),
    "getChatMember": ({"chat_id": -1001, "user_id": 2000}, ["chat_id", "user_id"]),
    "approveChatJoinRequest": ({"chat_id": -1001, "user_id": 3000}, ["chat_id", "user_id"]),
    "declineChatJoinRequest": ({"chat_id": -1001, "user_id": 3000}, ["chat_id", "user_id"]),
    "restrictChatMember": (
        {"chat_id": -1001, "user_id": 2000, "permissions": {"can_send_messages": False}},
        ["chat_id", "user_id", "permissions"],
    ),
    "banChatMember": ({"chat_id": -1001, "user_id": 2000}, ["chat_id", "user_id"]),
    "unbanChatMember": ({"chat_id": -1001, "user_id": 2000}, ["chat_id", "user_id"]),
    "leaveChat": ({"chat_id": -1001}, ["chat_id"]),
}


async def world(api: FakeBotApi) -> dict[str, str]:
    """A user, a group with a join request, and one bot message of each kind."""
    amina, lee = api.make_user(2000, "Amina"), api.make_user(3000, "Lee")
    group = api.make_group(-1001, "Tower A")
    api.send_message(amina, "hi")
    api.send_message(amina, "hi all", chat=group)
    api.request_join(lee, group)
    query = api.press_button(amina, 1, "x")["callback_query"]["id"]
    ids: dict[str, str] = {"QUERY": query}
    for key, method, params in (
        ("TEXT", "sendMessage", {"text": "one"}),
        ("POLL", "sendPoll", {"question": "Q", "options": '["a", "b"]'}),
        ("CAPTIONED", "sendDocument", {"document": "https://example.org/a.pdf", "caption": "c"}),
    ):
        status, body = await api.handle(api.token, method, {"chat_id": "2000", **params})
        assert status == 200, body
        ids[key] = str(body["result"]["message_id"])
        if key == "CAPTIONED":
            ids["DOC"] = ids["PHOTO"] = body["result"]["document"]["file_id"]
    return ids


def as_http(params: dict, ids: dict[str, str]) -> dict[str, str]:
    """Parameters as a Bot API request carries them (strings; objects JSON-encoded)."""
    out = {}
    for key, value in params.items():
        if isinstance(value, str):
            value = ids.get(value, value)
        elif isinstance(value, list):
            value = [ids.get(v, v) if isinstance(v, str) else v for v in value]
            value = [int(v) if key == "message_ids" else v for v in value]
        out[key] = value if isinstance(value, str) else json.dumps(value)
    return out


@pytest.mark.parametrize("method", sorted(REQUIRED))
async def test_required_parameters(method: str) -> None:
    params, required = REQUIRED[method]
    for missing in required:
        api = FakeBotApi()
        ids = await world(api)
        call = {k: v for k, v in params.items() if k != missing}
        status, body = await api.handle(api.token, method, as_http(call, ids))
        assert status == 400, (method, missing, body)
        assert body["description"].startswith("Bad Request: "), body
    api = FakeBotApi()
    ids = await world(api)
    status, body = await api.handle(api.token, method, as_http(params, ids))
    assert status == 200, (method, body)
    assert api.errors == []


def test_every_implemented_method_is_known() -> None:
    api = FakeBotApi()
    names = set(api.implemented_methods)
    assert {m.lower() for m in REQUIRED} <= names
    assert {"sendpoll", "stoppoll", "editmessagereplymarkup", "getupdates"} <= names


async def test_edits_take_inline_keyboards_only(api: FakeBotApi, tg_bot: Bot) -> None:
    api.send_message(api.make_user(2000), "hi")
    msg = await tg_bot.send_message(2000, "one", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Inline keyboard expected"):
        await tg_bot.edit_message_text("two", 2000, msg.message_id, reply_markup=REPLY_KEYBOARD)
    with pytest.raises(BadRequest, match="Inline keyboard expected"):
        await tg_bot.edit_message_reply_markup(2000, msg.message_id, reply_markup=REPLY_KEYBOARD)
    assert api.last_bot_message(2000)["reply_markup"] == KEYBOARD.to_dict()  # unchanged
    # a reply keyboard is fine when sending
    assert await tg_bot.send_message(2000, "menu", reply_markup=REPLY_KEYBOARD)


async def test_edit_message_reply_markup(api: FakeBotApi, tg_bot: Bot) -> None:
    api.send_message(api.make_user(2000), "hi")
    msg = await tg_bot.send_message(2000, "one", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await tg_bot.edit_message_reply_markup(2000, msg.message_id, reply_markup=KEYBOARD)
    cleared = await tg_bot.edit_message_reply_markup(2000, msg.message_id)
    assert cleared.reply_markup is None and cleared.text == "one" and cleared.edit_date
    assert "reply_markup" not in api.last_bot_message(2000)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await tg_bot.edit_message_reply_markup(2000, 1, reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Message_id_invalid"):
        await tg_bot.edit_message_reply_markup(inline_message_id="abc", reply_markup=KEYBOARD)


async def test_delete_messages_takes_at_most_100(api: FakeBotApi, tg_bot: Bot) -> None:
    api.send_message(api.make_user(2000), "hi")
    ids = [(await tg_bot.send_message(2000, f"m{i}")).message_id for i in range(3)]
    status, body = await api.handle(
        api.token,
        "deleteMessages",
        {"chat_id": "2000", "message_ids": json.dumps(list(range(1, 102)))},
    )
    assert (status, body["description"]) == (
        400,
        "Bad Request: too many message identifiers specified",
    )
    assert len(api.bot_messages(2000)) == 3
    assert await tg_bot.delete_messages(2000, ids)
    assert api.bot_messages(2000) == []


async def test_bots_set_one_reaction(api: FakeBotApi, tg_bot: Bot) -> None:
    api.send_message(api.make_user(2000), "hi")
    one, two = ReactionTypeEmoji("👍"), ReactionTypeEmoji("🔥")
    assert await tg_bot.set_message_reaction(2000, 1, [one])
    assert await tg_bot.set_message_reaction(2000, 1, [])  # removes the reaction
    with pytest.raises(BadRequest, match="Reactions_too_many"):
        await tg_bot.set_message_reaction(2000, 1, [one, two])


async def test_string_parameters_stay_strings(api: FakeBotApi) -> None:
    """A poll type or parse mode that happens to look like JSON is not decoded."""
    api.send_message(api.make_user(2000), "hi")
    status, body = await api.handle(
        api.token,
        "sendPoll",
        {"chat_id": "2000", "question": "Q", "options": '["a", "b"]', "type": "null"},
    )
    assert (status, body["description"]) == (400, "Bad Request: wrong poll type specified")
