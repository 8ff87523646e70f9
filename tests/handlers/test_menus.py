"""Start-up publishes the command menu and descriptions in every language."""

from bot import i18n
from bot.i18n import _


async def test_menus_and_descriptions_in_every_language(harness):
    menus = {
        c.params.get("language_code"): c
        for c in harness.calls("setMyCommands")
        if "scope" not in c.params or c.params["scope"] == {"type": "default"}
    }
    descriptions = {
        c.params.get("language_code"): c.params["description"]
        for c in harness.calls("setMyDescription")
    }
    for locale in i18n.LOCALES:
        code = i18n.telegram_language_code(locale)
        with i18n.use_locale(locale):
            expected = _("Change your language")
        assert expected in [c["description"] for c in menus[code].params["commands"]]
        assert "Common Ground" in descriptions[code]
        assert "status" not in [c["command"] for c in menus[code].params["commands"]]
    assert None in menus  # the default menu, for languages we do not ship


async def test_a_chat_menu_is_set_once_until_its_role_or_language_changes(harness):
    """Pressing the same language again, or sending /start again, makes no setMyCommands
    call: the menu is already the right one. A new language or role sets it again."""
    user = harness.api.make_user(5150, "Lin", language_code="en")

    def chat_menus():
        return [
            c
            for c in harness.calls("setMyCommands")
            if c.params.get("scope", {}).get("chat_id") == user["id"]
        ]

    [chooser] = await harness.send(user, "/language")
    await harness.press_label(user, chooser, "Español")
    assert len(chat_menus()) == 1
    [chooser] = await harness.send(user, "/language")
    await harness.press_label(user, chooser, "✓ Español")
    await harness.send(user, "/start")
    assert len(chat_menus()) == 1
    [chooser] = await harness.send(user, "/language")
    await harness.press_label(user, chooser, "Tiếng Việt")
    assert len(chat_menus()) == 2
