"""/stop and "stop" in any language pause announcements; blocking the bot is noticed."""

import pytest

from bot import i18n
from tests.support import tr

PAUSED = (
    "Announcements are paused: I won't send you announcements until you send /start "
    "again. I'll still answer when you write to me."
)


async def record(harness, user_id):
    return await harness.app.bot_data["services"].users.repo.get(user_id)


@pytest.mark.parametrize(
    ("word", "phone"),
    [
        ("/stop", "en"),
        ("STOP", "en"),
        ("Parar", "es"),
        ("arrêter", "fr"),
        ("توقف", "ar"),
        ("停止", "zh-CN"),
        ("dừng", "vi"),
    ],
)
async def test_stop_pauses_in_every_language_and_start_resumes(harness, word, phone):
    user = harness.api.make_user(2100, "Lin", language_code=phone)
    await harness.send(user, "/start")
    [reply] = await harness.send(user, word)
    locale = i18n.match_telegram_language(phone)
    assert reply["text"] == tr(locale, PAUSED)
    assert (await record(harness, 2100)).paused
    replies = await harness.send(user, "/start")
    assert replies[0]["text"] == tr(locale, "Announcements are on again. Welcome back!")
    assert not (await record(harness, 2100)).paused


async def test_stop_words_do_not_hijack_a_sign_up_name(harness, admin):
    services = harness.app.bot_data["services"]
    await harness.send(admin, "/building add Elm")
    user = harness.api.make_user(2101, "Stop", language_code="en")
    await harness.send(user, "/start")
    await services.signup.begin(2101, 1, language_confirmed=True)
    await services.signup.consent(2101, agreed=True)
    [_unit_step] = await harness.send(user, "stop")
    assert (await services.signup.current(2101)).display_name == "stop"


async def test_blocked_residents_are_kept_and_come_back_when_they_write(harness):
    user = harness.api.make_user(2102, "Kim", language_code="en")
    await harness.send(user, "/start")
    await harness.process(
        {
            "my_chat_member": {
                "chat": {"id": 2102, "type": "private", "first_name": "Kim"},
                "from": user,
                "date": 1700000000,
                "old_chat_member": {"status": "member", "user": harness.api.bot_user},
                "new_chat_member": {
                    "status": "kicked",
                    "user": harness.api.bot_user,
                    "until_date": 0,
                },
            }
        }
    )
    assert (await record(harness, 2102)).unreachable_since is not None
    await harness.send(user, "/help")
    assert (await record(harness, 2102)).unreachable_since is None


async def test_a_403_when_telling_a_resident_marks_them_unreachable(harness, admin):
    services = harness.app.bot_data["services"]
    await harness.send(admin, "/start")
    await harness.send(admin, "/building add Elm")
    user = harness.api.make_user(2103, "Ada", language_code="en", username="ada")
    await harness.send(user, "/start")
    await services.signup.begin(2103, 1, language_confirmed=True)
    await services.signup.consent(2103, agreed=True)
    await services.signup.set_name(2103, "Ada")
    await services.signup.set_unit(2103, "1")
    await services.signup.set_tenure(2103, "owner")
    await services.signup.finish(2103, "unknown")
    harness.api.block_bot(2103)
    [reply] = await harness.send(admin, "/approve @ada")
    assert "Ada" in reply["text"]  # the decision stands
    assert (await services.signup.resident(2103)).status == "approved"
    assert (await record(harness, 2103)).unreachable_since is not None
