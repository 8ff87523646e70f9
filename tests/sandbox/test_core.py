"""FakeBotApi driven through a real PTB Bot with the in-process SandboxRequest."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    ReactionTypeEmoji,
    Update,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.sandbox.core import NOT_MODIFIED, SANDBOX_BOT, SANDBOX_TOKEN, FakeBotApi
from bot.sandbox.request import SandboxRequest

# "lang:en" is opaque data of a stand-in bot, not a Common Ground button: the sandbox, like
# Telegram, knows nothing of the bot's codecs.
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("English", callback_data="lang:en")],
        [InlineKeyboardButton("Help", url="https://example.org")],
    ]
)


async def test_get_me_and_token(api: FakeBotApi, tg_bot: Bot) -> None:
    me = await tg_bot.get_me()
    assert me.id == SANDBOX_BOT["id"] and me.username == "CommonGroundBot"
    assert api.token == SANDBOX_TOKEN
    assert await api.handle("1:wrong", "getMe", {}) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    status, body = await api.handle(api.token, "noSuchMethod", {})
    assert (status, body["description"]) == (404, "Not Found: method not found")
    status, body = await api.handle(api.token, "GETME", {})  # case-insensitive
    assert status == 200 and body["result"]["id"] == SANDBOX_BOT["id"]


async def test_send_message_with_keyboard(api: FakeBotApi, tg_bot: Bot) -> None:
    api.send_message(api.make_user(2000, "Amina"), "hi")
    msg = await tg_bot.send_message(
        2000, "<b>Welcome</b> &amp; hi", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )
    assert msg.text == "Welcome & hi" and msg.text_html == "<b>Welcome</b> &amp; hi"
    assert msg.from_user.id == SANDBOX_BOT["id"] and msg.chat.id == 2000
    assert msg.reply_markup == KEYBOARD
    assert msg.message_id == 2  # the user's message was 1
    second = await tg_bot.send_message(2000, "again", reply_to_message_id=1)
    assert second.message_id == 3 and second.reply_to_message.text == "hi"
    stored = api.last_bot_message(2000)
    assert stored["text"] == "again"
    assert [m["text"] for m in api.bot_messages(2000)] == ["Welcome & hi", "again"]
    assert (
        api.bot_messages(2000)[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        == "lang:en"
    )
    call = api.calls[-1]
    assert (
        call.method == "sendMessage"
        and call.params["chat_id"] == 2000
        and call.params["text"] == "again"
    )


async def test_validation_errors(api: FakeBotApi, tg_bot: Bot) -> None:
    api.send_message(api.make_user(2000), "hi")
    cases = [
        (
            dict(text="<script>alert(1)</script>", parse_mode="HTML"),
            'can\'t parse entities: Unsupported start tag "script"',
        ),
        (dict(text="1 < 2", parse_mode="HTML"), "can't parse entities"),
        (dict(text="<b>x", parse_mode="HTML"), "can't parse entities"),
        (dict(text="x" * 4097), "Message is too long"),
        (dict(text="   "), "Message text is empty"),
        (
            dict(
                text="x",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("b", callback_data="d" * 65)]]
                ),
            ),
            "Button_data_invalid",
        ),
    ]
    for kwargs, fragment in cases:
        with pytest.raises(BadRequest) as info:
            await tg_bot.send_message(2000, **kwargs)
        assert fragment.lower() in str(info.value).lower(), (kwargs, str(info.value))
    # limits apply to the text after entity parsing
    await tg_bot.send_message(2000, "x" * 4096)
    await tg_bot.send_message(2000, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    await tg_bot.send_message(2000, "é" * 4096)
    assert api.calls[-1].ok
    status, body = await api.handle(api.token, "sendMessage", {"chat_id": "2000"})
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await api.handle(api.token, "sendMessage", {"text": "x"})
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")


async def test_unknown_chats(api: FakeBotApi, tg_bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg_bot.send_message(555, "hello")
    api.make_user(556)  # known user who never opened the bot
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await tg_bot.send_message(556, "hello")
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg_bot.send_message(-100123, "hello")


async def test_edit_and_delete(api: FakeBotApi, tg_bot: Bot) -> None:
    api.send_message(api.make_user(2000), "hi")
    msg = await tg_bot.send_message(2000, "one", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest) as info:
        await tg_bot.edit_message_text("one", 2000, msg.message_id, reply_markup=KEYBOARD)
    assert str(info.value) == NOT_MODIFIED.removeprefix("Bad Request: ").capitalize()
    edited = await tg_bot.edit_message_text("two", 2000, msg.message_id, reply_markup=KEYBOARD)
    assert edited.text == "two" and edited.edit_date is not None and edited.reply_markup == KEYBOARD
    # editing text without reply_markup removes the keyboard, like Telegram
    edited = await tg_bot.edit_message_text("three", 2000, msg.message_id)
    assert edited.reply_markup is None and "reply_markup" not in api.last_bot_message(2000)
    new_markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x")]])
    edited = await tg_bot.edit_message_reply_markup(2000, msg.message_id, reply_markup=new_markup)
    assert edited.reply_markup == new_markup
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await tg_bot.edit_message_text("x", 2000, 999)
    with pytest.raises(BadRequest, match="can't be edited"):
        await tg_bot.edit_message_text("x", 2000, 1)  # the user's message
    assert await tg_bot.delete_message(2000, msg.message_id) is True
    assert api.bot_messages(2000) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await tg_bot.delete_message(2000, msg.message_id)


async def test_updates_long_poll_and_callbacks(api: FakeBotApi, tg_bot: Bot) -> None:
    amina = api.make_user(2000, "Amina", language_code="es")
    started = time.monotonic()
    poll = asyncio.create_task(tg_bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    api.send_message(amina, "/start@CommonGroundBot hello")
    (update,) = await poll
    assert time.monotonic() - started < 2
    assert isinstance(update, Update) and update.message.text.startswith("/start")
    assert update.effective_user.language_code == "es"
    assert (
        update.message.entities[0].type == "bot_command" and update.message.entities[0].length == 22
    )
    # unconfirmed updates are redelivered; offset confirms them
    assert [u.update_id for u in await tg_bot.get_updates()] == [update.update_id]
    assert await tg_bot.get_updates(offset=update.update_id + 1) == ()
    assert await tg_bot.get_updates(timeout=0.1) == ()

    msg = await tg_bot.send_message(2000, "pick", reply_markup=KEYBOARD)
    pressed = api.press_button(amina, msg.to_dict(), "lang:en")
    (cb_update,) = await tg_bot.get_updates(offset=update.update_id + 1)
    query = cb_update.callback_query
    assert query.data == "lang:en" and query.message.message_id == msg.message_id
    assert query.message.reply_markup == KEYBOARD and query.id == pressed["callback_query"]["id"]
    assert await query.answer("Saved!", show_alert=True) is True
    assert api.callback_answers[query.id] == {"text": "Saved!", "show_alert": True, "url": None}
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()
    # edited message, join request, raw updates
    edited = api.edit_message(amina, api.send_message(amina, "typo"), "fixed")
    assert edited["text"] == "fixed"
    group = api.make_group(-1001, "Tower A")
    api.request_join(amina, group)
    raw_id = api.inject_update(
        {
            "message": {
                "message_id": 99,
                "date": 0,
                "chat": {"id": 7, "type": "private"},
                "text": "raw",
            }
        }
    )
    updates = await tg_bot.get_updates(offset=cb_update.update_id + 1)
    kinds = [
        u.effective_message.text if u.effective_message else u.chat_join_request.chat.title
        for u in updates
    ]
    assert kinds == ["typo", "fixed", "Tower A", "raw"]
    assert updates[-1].update_id == raw_id
    assert updates[1].edited_message is not None


async def test_allowed_updates_and_limit(api: FakeBotApi, tg_bot: Bot) -> None:
    amina = api.make_user(2000)
    api.send_message(amina, "one")
    api.press_button(amina, 1, "x")
    api.send_message(amina, "two")
    updates = await tg_bot.get_updates(allowed_updates=["callback_query"], limit=5)
    assert [u.callback_query.data for u in updates] == ["x"]
    api.send_message(amina, "three")
    assert await tg_bot.get_updates(offset=updates[0].update_id + 1, timeout=0.05) == ()
    updates = await tg_bot.get_updates(allowed_updates=[], limit=1)  # back to default
    assert len(updates) == 0 or updates[0].callback_query is None
    api.send_message(amina, "four")
    assert [u.message.text for u in await tg_bot.get_updates(limit=1)] == ["four"]
    assert await tg_bot.delete_webhook(drop_pending_updates=True) is True
    assert await tg_bot.get_updates() == ()
    info = await tg_bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0


async def test_faults(api: FakeBotApi, tg_bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else PTB 22 warns when building RetryAfter
    api.send_message(api.make_user(2000), "hi")
    api.send_message(api.make_user(2001), "hi")
    api.add_fault("sendMessage", "retry_after", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await tg_bot.send_message(2000, "x")
    assert info.value.retry_after == dt.timedelta(seconds=7)
    await tg_bot.send_message(2000, "x")  # fault used up
    api.add_fault("sendMessage", "blocked", chat_id=2001, times=2)
    await tg_bot.send_message(2000, "other chat unaffected")
    for _ in range(2):
        with pytest.raises(Forbidden, match="blocked by the user"):
            await tg_bot.send_message(2001, "x")
    await tg_bot.send_message(2001, "x")
    api.add_fault("sendmessage", "chat_not_found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg_bot.send_message(2000, "x")
    api.make_group(-500, supergroup=False)
    api.add_fault("sendMessage", "migrate", chat_id=-500)
    with pytest.raises(ChatMigrated) as migrated:
        await tg_bot.send_message(-500, "x")
    assert migrated.value.new_chat_id == -100500
    api.add_fault("*", "server_error")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await tg_bot.get_me()
    assert api.stats["faults_injected"] == 6
    with pytest.raises(ValueError, match="unknown fault kind"):
        api.add_fault("sendMessage", "nope")
    api.block_bot(2000)
    with pytest.raises(Forbidden, match="blocked"):
        await tg_bot.send_chat_action(2000, "typing")
    api.block_bot(2000, False)
    assert await tg_bot.send_chat_action(2000, "typing") is True
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await tg_bot.send_chat_action(2000, "dancing")


async def test_documents_photos(api: FakeBotApi, tg_bot: Bot) -> None:
    api.send_message(api.make_user(2000), "hi")
    msg = await tg_bot.send_document(
        2000, b"a,b\n1,2\n", filename="report.csv", caption="<i>Report</i>", parse_mode="HTML"
    )
    doc = msg.document
    assert doc.file_name == "report.csv" and doc.file_size == 8 and doc.mime_type == "text/csv"
    assert msg.caption == "Report" and msg.caption_entities[0].type == "italic"
    assert api.files()[doc.file_id] == ("report.csv", b"a,b\n1,2\n")
    again = await tg_bot.send_document(2000, doc.file_id)
    assert again.document.file_id == doc.file_id
    with pytest.raises(BadRequest, match="caption is too long"):
        await tg_bot.send_document(2000, b"x", filename="x.txt", caption="c" * 1025)
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await tg_bot.send_document(2000, "nonsense-id")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x00\x80" + b"\x00" * 10
    photo = await tg_bot.send_photo(2000, png, caption="pic")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (256, 128)
    file = await tg_bot.get_file(photo.photo[-1].file_id)
    assert "/photos/file_3" in file.file_path
    assert await api.wait_for_message(2000, start=len(api.calls) - 2) == api.calls[-2].result


async def test_polls(api: FakeBotApi, tg_bot: Bot) -> None:
    sam = api.make_user(1000, "Sam")
    api.send_message(sam, "hi")
    msg = await tg_bot.send_poll(1000, "Paint the hall?", ["Yes", "No"], is_anonymous=False)
    assert msg.poll.question == "Paint the hall?" and [o.text for o in msg.poll.options] == [
        "Yes",
        "No",
    ]
    update = api.answer_poll(sam, msg.poll.id, [0])
    (parsed,) = [u for u in await tg_bot.get_updates() if u.poll_answer]
    assert parsed.poll_answer.option_ids == (0,) and parsed.update_id == update["update_id"]
    assert api.last_bot_message(1000)["poll"]["options"][0]["voter_count"] == 1
    stopped = await tg_bot.stop_poll(1000, msg.message_id)
    assert stopped.is_closed and stopped.total_voter_count == 1
    with pytest.raises(BadRequest, match="already been closed"):
        await tg_bot.stop_poll(1000, msg.message_id)
    with pytest.raises(BadRequest, match="at least 2 option"):
        await tg_bot.send_poll(1000, "Q", ["only"])


async def test_bot_settings(api: FakeBotApi, tg_bot: Bot) -> None:
    en = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    es = [BotCommand("start", "Empezar")]
    assert await tg_bot.set_my_commands(en)
    assert await tg_bot.set_my_commands(es, language_code="es")
    admin_scope = BotCommandScopeChat(1000)
    assert await tg_bot.set_my_commands([BotCommand("admin", "Admin")], scope=admin_scope)
    assert await tg_bot.get_my_commands() == tuple(en)
    assert await tg_bot.get_my_commands(language_code="es") == tuple(es)
    assert [c.command for c in await tg_bot.get_my_commands(scope=admin_scope)] == ["admin"]
    assert await tg_bot.get_my_commands(language_code="de") == ()
    assert await tg_bot.delete_my_commands(language_code="es")
    assert await tg_bot.get_my_commands(language_code="es") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await tg_bot.set_my_commands([BotCommand("Bad-Command", "x")])
    assert await tg_bot.set_my_description("A building bot", language_code="en")
    assert (await tg_bot.get_my_description(language_code="en")).description == "A building bot"
    assert (await tg_bot.get_my_description()).description == ""
    assert await tg_bot.set_my_short_description("Short")
    assert (await tg_bot.get_my_short_description()).short_description == "Short"
    assert await tg_bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert api.menu_buttons[None] == {"type": "commands"}
    assert await tg_bot.log_out() and await tg_bot.close()


async def test_groups_and_members(api: FakeBotApi, tg_bot: Bot) -> None:
    group = api.make_group(-1001, "Tower A", username="towera")
    sam, amina, lee = (
        api.make_user(1000, "Sam"),
        api.make_user(2000, "Amina"),
        api.make_user(3000, "Lee"),
    )
    api.set_chat_admins(-1001, [1000])
    api.send_message(amina, "hello all", chat=group)
    chat = await tg_bot.get_chat("@towera")
    assert chat.id == -1001 and chat.title == "Tower A" and chat.type == "supergroup"
    statuses = {
        uid: (await tg_bot.get_chat_member(-1001, uid)).status
        for uid in (1000, 2000, 3000, SANDBOX_BOT["id"])
    }
    assert statuses == {
        1000: ChatMemberStatus.ADMINISTRATOR,
        2000: ChatMemberStatus.MEMBER,
        3000: ChatMemberStatus.LEFT,
        SANDBOX_BOT["id"]: ChatMemberStatus.ADMINISTRATOR,
    }
    admins = await tg_bot.get_chat_administrators(-1001)
    assert sorted(a.user.id for a in admins) == [1000, SANDBOX_BOT["id"]]
    api.request_join(lee, group)
    assert await tg_bot.approve_chat_join_request(-1001, 3000)
    with pytest.raises(BadRequest, match="Hide_requester_missing"):
        await tg_bot.decline_chat_join_request(-1001, 3000)
    assert (await tg_bot.get_chat_member(-1001, 3000)).status == ChatMemberStatus.MEMBER
    assert await tg_bot.send_message(3000, "welcome")  # join requesters can be messaged
    assert await tg_bot.restrict_chat_member(-1001, 3000, ChatPermissions(can_send_messages=False))
    restricted = await tg_bot.get_chat_member(-1001, 3000)
    assert (
        restricted.status == ChatMemberStatus.RESTRICTED and restricted.can_send_messages is False
    )
    assert await tg_bot.ban_chat_member(-1001, 2000)
    assert (await tg_bot.get_chat_member(-1001, 2000)).status == ChatMemberStatus.BANNED
    assert await tg_bot.unban_chat_member(-1001, 2000, only_if_banned=True)
    assert (await tg_bot.get_chat_member(-1001, 2000)).status == ChatMemberStatus.LEFT
    with pytest.raises(BadRequest, match="administrator of the chat"):
        await tg_bot.ban_chat_member(-1001, 1000)
    msg = await tg_bot.send_message(-1001, "notice")
    assert await tg_bot.set_message_reaction(-1001, msg.message_id, ReactionTypeEmoji("👍"))
    assert await tg_bot.leave_chat(-1001)
    with pytest.raises(Forbidden, match="not a member of the supergroup"):
        await tg_bot.send_message(-1001, "x")
    weak = api.make_group(-1002, bot_is_admin=False)
    api.send_message(sam, "hi", chat=weak)
    with pytest.raises(BadRequest, match="Not enough rights"):
        await tg_bot.ban_chat_member(-1002, 1000)


async def test_wait_helpers(api: FakeBotApi, tg_bot: Bot) -> None:
    api.send_message(api.make_user(2000), "hi")
    start = len(api.calls)

    async def later() -> None:
        await asyncio.sleep(0.05)
        await tg_bot.send_message(2000, "later")

    task = asyncio.create_task(later())
    message = await api.wait_for_message(2000, start=start, timeout=2)
    assert message["text"] == "later"
    await task
    with pytest.raises(TimeoutError, match=r"recent calls:\n  #0 getMe.*\n  #1 sendMessage"):
        await api.wait_for_call(lambda c: c.method == "deleteMessage", timeout=0.05)
    assert await api.wait_until(lambda: True, timeout=0)
    api.reset()
    assert api.calls == [] and api.bot_messages(2000) == []


async def test_flood_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    api = FakeBotApi(enforce_limits=True)
    now = [1000.0]
    api.clock = lambda: now[0]
    bot = Bot(api.token, request=SandboxRequest(api))
    for uid in range(1, 40):
        api.send_message(api.make_user(uid), "hi")
    api.make_group(-7)
    async with bot:
        # private chat: a burst of 3, then about one per second
        for _ in range(3):
            await bot.send_message(1, "x")
        with pytest.raises(RetryAfter):
            await bot.send_message(1, "x")
        now[0] += 1.0
        await bot.send_message(1, "x")
        # global: 30 per second across chats
        now[0] += 5
        for uid in range(2, 32):
            await bot.send_message(uid, "x")
        with pytest.raises(RetryAfter):
            await bot.send_message(35, "x")
        # groups: 20 per minute
        now[0] += 5
        for i in range(20):
            now[0] += 0.2
            await bot.send_message(-7, f"g{i}")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(-7, "too many")
        now[0] += 61
        await bot.send_message(-7, "fine again")
    assert api.flood_429_count == 3 and api.flood_by_chat == {1: 1, 35: 1, -7: 1}
    assert info.value.retry_after == dt.timedelta(seconds=57)


async def test_application_end_to_end(api: FakeBotApi) -> None:
    """The pattern the bot's own tests use: a PTB Application polling the sandbox."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("Choose", reply_markup=KEYBOARD)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("ok")
        await update.callback_query.edit_message_text(f"Chosen {update.callback_query.data}")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .request(SandboxRequest(api))
        .get_updates_request(SandboxRequest(api))
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    amina = api.make_user(2000, "Amina")
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        start_index = len(api.calls)
        api.send_message(amina, "/start")
        msg = await api.wait_for_message(2000, start=start_index, timeout=5)
        assert msg["text"] == "Choose"
        after = len(api.calls)
        api.press_button(amina, msg, "lang:en")
        edited = await api.wait_for_message(2000, start=after, timeout=5)
        assert edited["text"] == "Chosen lang:en"
        assert next(iter(api.callback_answers.values()))["text"] == "ok"
        await app.updater.stop()
        await app.stop()


async def test_raw_updates_teach_the_sandbox(api: FakeBotApi, tg_bot: Bot) -> None:
    chat = {"id": 6000, "type": "private", "first_name": "Raw"}
    user = {"id": 6000, "is_bot": False, "first_name": "Raw"}
    api.inject_update({"message": {"message_id": 40, "date": 1, "chat": chat, "from": user}})
    reply = await tg_bot.send_message(6000, "hi", reply_to_message_id=40)
    assert reply.message_id == 41 and reply.reply_to_message.message_id == 40
    bot_msg = {"message_id": 7, "date": 1, "chat": chat, "text": "old", "from": user}
    for _ in range(2):  # the same query delivered twice may be answered twice
        api.inject_update(
            {
                "callback_query": {
                    "id": "q1",
                    "from": user,
                    "chat_instance": "c",
                    "data": "x",
                    "message": bot_msg,
                }
            }
        )
    (first, _second) = [u for u in await tg_bot.get_updates() if u.callback_query]
    assert await first.callback_query.answer() and await first.callback_query.answer()
    with pytest.raises(BadRequest, match="Query is too old"):
        await first.callback_query.answer()
    assert (await tg_bot.edit_message_text("new", 6000, 7)).text == "new"


async def test_photos_are_kept_in_telegrams_sizes_and_checked(api: FakeBotApi, tg_bot: Bot) -> None:
    """Telegram keeps thumbnails and the photo at most 1280 px on its longest side, and
    refuses a photo whose sides add up to more than 10000 or are more than 20 to 1."""
    api.send_message(api.make_user(2000, "Ana"), "hi")

    def png(width: int, height: int) -> bytes:
        header = width.to_bytes(4, "big") + height.to_bytes(4, "big")
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + header + b"\x00" * 10

    tall = await tg_bot.send_photo(2000, png(800, 1600))
    assert [(p.width, p.height) for p in tall.photo] == [
        (45, 90),
        (160, 320),
        (400, 800),
        (640, 1280),
    ]
    small = await tg_bot.send_photo(2000, png(80, 60))
    assert [(p.width, p.height) for p in small.photo] == [(80, 60)]
    with pytest.raises(BadRequest, match="Photo_invalid_dimensions"):
        await tg_bot.send_photo(2000, png(6000, 5000))
    with pytest.raises(BadRequest, match="Photo_invalid_dimensions"):
        await tg_bot.send_photo(2000, png(2100, 100))
