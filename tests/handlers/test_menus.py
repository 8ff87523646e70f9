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
