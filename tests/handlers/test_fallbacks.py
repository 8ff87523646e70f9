"""Anything else a resident sends gets a short helpful answer, or is ignored: never a crash."""

import logging

from telegram.ext import CommandHandler

from tests.support import tr

HINT = "I work best with buttons and commands."


async def test_unknown_command_names_it_and_points_to_help(harness, resident):
    [reply] = await harness.send(resident, "/frobnicate now")
    assert reply["text"].startswith(
        tr("en", "I don't know the command {command}.", command="/frobnicate")
    )
    assert "/help" in reply["text"]


async def test_free_text_stickers_and_photos_get_a_hint(harness, resident):
    for kwargs in (
        {"text": "hello?"},
        {"text": "x" * 5000},
        {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "u1",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 1, "height": 1}]},
    ):
        [reply] = await harness.send(resident, **kwargs)
        assert reply["text"].startswith(tr("en", HINT))


async def test_hint_comes_in_the_residents_language(harness):
    thu = harness.api.make_user(5001, "Thu", language_code="vi")
    [reply] = await harness.send(thu, "xin chào")
    assert reply["text"].startswith(tr("vi", HINT))


async def test_group_chatter_and_edits_are_ignored(harness, resident):
    group = harness.api.make_group(-100600)
    assert await harness.send(resident, "hello neighbours", chat=group) == []
    message = harness.api.send_message(resident, "/start")
    edited = harness.api.edit_message(resident, message, "/help")
    calls = await harness.process(edited)
    assert harness.outgoing(calls) == []


async def test_errors_are_logged_with_the_update_id_and_the_user_is_told(harness, caplog):
    async def broken(update, context):
        raise RuntimeError("database on fire")

    harness.app.handlers[0].insert(0, CommandHandler("boom", broken))
    fatima = harness.api.make_user(5002, "Fatima", language_code="ar")
    with caplog.at_level(logging.ERROR):
        [reply] = await harness.send(fatima, "/boom")
    assert reply["text"] == tr(
        "ar", "Sorry, something went wrong on our side. Please try again in a moment."
    )
    assert any("caused an error" in r.getMessage() and r.exc_info for r in caplog.records)
    # The bot keeps serving.
    [help_reply] = await harness.send(fatima, "/help")
    assert tr("ar", "Here is what I can do for you:") in help_reply["text"]


async def test_updates_without_a_user_reach_handlers_that_accept_them(harness):
    from telegram import Update
    from telegram.ext import TypeHandler

    from bot import i18n
    from bot.handlers.common import localized

    seen = []

    @localized(needs_user=False)
    async def on_poll(update, context):
        seen.append(("poll", i18n.current_locale()))

    @localized
    async def answers_a_person(update, context):
        seen.append(("person", None))

    harness.app.add_handler(TypeHandler(Update, on_poll), group=5)
    harness.app.add_handler(TypeHandler(Update, answers_a_person), group=6)
    person = harness.api.make_user(2001, "Rosa")
    await harness.send(person, "/start")
    sent = await harness.app.bot.send_poll(2001, "Garden day?", ["Yes", "No"], is_anonymous=False)
    poll = sent.poll.to_dict()
    seen.clear()
    await harness.process({"poll": poll})
    assert seen == [("poll", "en")]  # the state update arrives; the person-only handler skips it
