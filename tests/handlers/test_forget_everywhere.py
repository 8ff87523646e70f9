"""After /forget, no table holds the person's Telegram id, name, @username or unit.

The person signs up, answers an announcement (Got it and a question), an event and a survey,
is made a steward and acts as one, is demoted; then /forget, with a message of theirs still
in the webhook inbox. Every column of every table of the SQLite file is read
(``sqlite_master`` and ``pragma table_info``), whatever it is called.
"""

from __future__ import annotations

import json

from bot.services.roles import Role
from bot.storage.inbox import InboxRepository
from tests.support import ADMIN_ID, button_data, sign_up, tr

PERSON = 987_654_321
NAME, USERNAME, UNIT = "Zephyrine", "zeph_w", "Q-913"


async def traces(services) -> list[str]:
    """(table.column) of every value that names the person."""
    found = []
    tables = await services.db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    )
    for (table,) in tables:
        for row in await services.db.fetch_all(f'SELECT * FROM "{table}"'):  # sql-ok: own name
            for column in row.keys():  # noqa: SIM118 (sqlite3.Row iterates values)
                value = row[column]
                if value == PERSON or (
                    isinstance(value, str)
                    and any(w in value for w in (str(PERSON), NAME, USERNAME, UNIT))
                ):
                    found.append(f"{table}.{column}")
    return sorted(set(found))


def last(harness, user_id):
    return harness.api.bot_messages(user_id)[-1]


async def test_forget_leaves_no_id_name_username_or_unit_in_any_table(harness, admin):
    services = harness.app.bot_data["services"]
    api = harness.api
    person = api.make_user(PERSON, NAME, username=USERNAME, language_code="en")
    api.world.register_user(person)
    await harness.send(admin, "/start")
    await harness.send(admin, "/building add Maple Court")
    await harness.send(person, "/start")
    await sign_up(services, person, 1, unit=UNIT)
    await services.moderation.decide(ADMIN_ID, PERSON, "approve")
    # an announcement: Got it, and a question
    [card] = await harness.send(admin, "/announce all | Lift repairs")
    await harness.press_label(admin, card, "📣 Send now")
    post = last(harness, PERSON)
    await harness.press_label(person, post, "👍 Got it")
    await harness.press_label(person, post, "❓ I have a question")
    await harness.send(person, f"Will the lift work? {NAME} in {UNIT}")
    # an event: Going
    [preview] = await harness.send(admin, "/newevent 2026-12-05 18:30 | Potluck | Room | 10")
    await harness.press_label(admin, preview, "📣 Publish")
    event_post = last(harness, PERSON)
    await harness.press(person, event_post, button_data(event_post, tr("en", "✅ Going")))
    # a survey: one answer
    await harness.send(admin, "/survey open agency 7 all")
    invitation = last(harness, PERSON)
    await harness.press(
        person, invitation, invitation["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    )
    question = last(harness, PERSON)
    await harness.press(
        person, question, question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    )
    # a steward for a while: audit entries by them and about them
    await services.roles.promote(ADMIN_ID, PERSON, Role.STEWARD, 1)
    await harness.send(person, "/invite Maple Court")
    await services.roles.demote(ADMIN_ID, PERSON)
    assert len(await traces(services)) > 10  # the person is all over the database now

    [confirm] = await harness.send(person, "/forget")
    erase = button_data(confirm, tr("en", "🗑 Yes, erase my data"))
    press = api.press_button(person, confirm, erase)
    # webhook mode: a message they sent just before pressing is still in the inbox, in hand
    # beside the press (its raw JSON has their id, name, @username and what they wrote)
    earlier = {
        "update_id": press["update_id"] - 1,
        "message": api.send_message(person, f"I am {NAME}, flat {UNIT}"),
    }
    await InboxRepository(services.db).store(earlier["update_id"], json.dumps(earlier))
    assert "inbox.body" in await traces(services)
    await harness.process(press)
    assert await traces(services) == []
