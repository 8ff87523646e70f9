"""The first commands, driven through the real Application and the in-process sandbox."""

import asyncio
import json

import pytest

from bot import i18n
from bot.i18n import _
from bot.views.buttons import ForgetCancel, ForgetConfirm, LanguageMenu, LanguageSet
from tests.support import buttons, language_label, plain, tr


async def test_start_welcomes_in_the_detected_language(harness):
    maria = harness.api.make_user(3001, "María", language_code="es-MX")
    [welcome] = await harness.send(maria, "/start")
    assert tr("es", "👋 Welcome to Common Ground, {name}!", name="María") in welcome["text"]
    assert "Welcome" not in welcome["text"]
    assert buttons(welcome) == [
        (tr("es", "✅ Yes, continue in {language}", language="español"), LanguageSet("es").pack()),
        (tr("es", "🌐 Choose another language"), LanguageMenu().pack()),
    ]


async def test_confirming_the_language_stores_it(harness):
    maria = harness.api.make_user(3001, "María", language_code="es")
    [welcome] = await harness.send(maria, "/start")
    [edited], [answer] = await harness.press_label(maria, welcome, language_label("es"))
    assert tr("es", "Done! I'll write to you in {language}.", language="español") in edited["text"]
    assert answer.params.get("text") == tr("es", "Saved")
    # Stored: even if her phone switches to English, the bot keeps Spanish.
    maria["language_code"] = "en"
    [help_reply] = await harness.send(maria, "/help")
    assert tr("es", "Here is what I can do for you:") in help_reply["text"]


async def test_changing_language_from_the_welcome(harness, resident):
    [welcome] = await harness.send(resident, "/start")
    [chooser], _answers = await harness.press_label(
        resident, welcome, tr("en", "🌐 Choose another language")
    )
    assert chooser["text"] == tr("en", "Which language should I use with you?")
    names = [text.removeprefix("✓ ") for text, _data in buttons(chooser)]
    assert names == [
        "English",
        "Español",
        "Français",
        "العربية",
        i18n.language_name("zh_Hans"),
        "Tiếng Việt",
    ]
    [done], _answers = await harness.press_label(resident, chooser, "العربية")
    assert tr("ar", "Send /help to see what I can do.") in done["text"]
    # The chat's command menu follows the chosen language.
    menu = harness.calls("setMyCommands")[-1]
    assert menu.params["scope"] == {"type": "chat", "chat_id": resident["id"]}
    with i18n.use_locale("ar"):
        assert menu.params["commands"][0]["description"] == _("Start, or see the welcome again")


async def test_language_command_ticks_the_current_language(harness, resident):
    [chooser] = await harness.send(resident, "/language")
    ticked = [text for text, _data in buttons(chooser) if text.startswith("✓ ")]
    assert ticked == ["✓ English"]
    assert len(buttons(chooser)) == 6


@pytest.mark.parametrize(  # raw data on purpose: no button of ours carries any of these
    "data", ["lang:set:xx", "lang:set:", "lang:set:en;DROP TABLE users", "lang:", "zzz", "forget:"]
)
async def test_forged_or_stale_buttons_change_nothing(harness, resident, data):
    [chooser] = await harness.send(resident, "/language")
    sent, [answer] = await harness.press(resident, chooser, data)
    assert sent == []
    assert answer.params["text"] == tr(
        "en", "This button no longer works. Send /help to start again."
    )
    assert await harness.app.bot_data["services"].users.stored_locale(resident["id"]) is None


async def test_help_lists_only_what_the_role_may_use(harness, resident, admin):
    [for_resident] = await harness.send(resident, "/help")
    [for_admin] = await harness.send(admin, "/help")
    for command in ("/start", "/help", "/language", "/privacy", "/mydata", "/forget"):
        assert command in for_resident["text"]
        assert command in for_admin["text"]
    for command in ("/status", "/building"):
        assert command not in for_resident["text"]
        assert command in for_admin["text"]


async def test_status_is_refused_to_residents_and_shown_to_admins(harness, resident, admin):
    [refusal] = await harness.send(resident, "/status")
    assert refusal["text"] == tr("en", "Sorry, only the bot's admins can use that command.")
    await harness.send(resident, "/start")
    [status] = await harness.send(admin, "/status")
    assert "Common Ground is running" in plain(status["text"])
    assert tr("en", "People who use the bot: {count}", count="1") in status["text"]


async def test_privacy_explains_and_points_to_the_rights(harness, resident):
    [reply] = await harness.send(resident, "/privacy")
    assert "/mydata" in reply["text"]
    assert "/forget" in reply["text"]


async def test_mydata_and_forget(harness, resident):
    [nothing] = await harness.send(resident, "/mydata")
    assert nothing["text"] == tr(
        "en", "We don't store anything about you. Send /start if you want to begin."
    )
    await harness.send(resident, "/start")
    summary, document = await harness.send(resident, "/mydata")
    assert str(resident["id"]) in summary["text"]
    file_id = document["document"]["file_id"]
    _name, content = harness.api.files()[file_id]
    data = json.loads(content)
    assert data["telegram_user_id"] == resident["id"]

    [confirm] = await harness.send(resident, "/forget")
    assert [d for _t, d in buttons(confirm)] == [ForgetConfirm().pack(), ForgetCancel().pack()]
    [cancelled], _ = await harness.press_label(resident, confirm, tr("en", "Cancel"))
    assert cancelled["text"] == tr("en", "Nothing was erased.")
    assert await harness.app.bot_data["services"].users.export(resident["id"]) is not None

    [confirm] = await harness.send(resident, "/forget")
    [erased], _ = await harness.press_label(resident, confirm, tr("en", "🗑 Yes, erase my data"))
    assert "erased" in erased["text"]
    assert await harness.app.bot_data["services"].users.export(resident["id"]) is None


async def test_private_commands_in_a_group_point_to_a_private_chat(harness, resident):
    group = harness.api.make_group(-100500, "Maple Court residents")
    [reply] = await harness.send(resident, "/mydata@CommonGroundBot", chat=group)
    assert buttons(reply) == [(tr("en", "Open a private chat"), "https://t.me/CommonGroundBot")]
    [reply] = await harness.send(resident, "/start", chat=group)
    assert buttons(reply)[0][1].startswith("https://t.me/CommonGroundBot")


@pytest.mark.parametrize(
    "name",
    [
        "<b>Boss</b> & <script>alert(1)</script>",
        "A" * 300,
        "مرحبا\u202eevil\u202c",
        "&amp; <a href='x'>",
    ],
)
async def test_hostile_names_are_shown_literally(harness, name):
    user = harness.api.make_user(4000, name, language_code="en")
    [welcome] = await harness.send(user, "/start")
    assert name in welcome["text"]  # the sandbox returns the text as shown, like Telegram


async def test_concurrent_updates_never_mix_languages(harness):
    phones = ["en", "es", "fr", "ar", "zh-CN", "vi"]
    people = [
        harness.api.make_user(7000 + i, f"P{i}", language_code=phones[i % 6]) for i in range(60)
    ]
    results = await asyncio.gather(*(harness.send(person, "/help") for person in people))
    for person, [reply] in zip(people, results, strict=True):
        locale = i18n.match_telegram_language(person["language_code"])
        assert reply["chat"]["id"] == person["id"]
        assert reply["text"].startswith(tr(locale, "Here is what I can do for you:"))
