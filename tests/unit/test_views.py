"""Views are pure: plain data in, the text and buttons a person sees out, in their language."""

import re
from datetime import timedelta

import pytest

from bot import i18n
from bot.services.commands import commands_for
from bot.services.roles import Role
from bot.services.status import StatusSnapshot
from bot.storage.buildings import Building
from bot.storage.invites import Invite
from bot.storage.residents import Resident
from bot.views import admin, buildings, fallback, groups, help, invites, menus, privacy, start
from bot.views.buttons import (
    BuildingArchive,
    BuildingCancel,
    ForgetCancel,
    ForgetConfirm,
    LanguageMenu,
    LanguageSet,
    SignupInvited,
    unpack,
)

ARABIC = re.compile(r"[\u0600-\u06ff]")


def when(timestamp: str) -> str:
    """A stand-in for the reader's date format: makes each shown timestamp easy to find."""
    return f"<{timestamp}>"


def callbacks(keyboard) -> list:
    return [unpack(b.callback_data) for row in keyboard.inline_keyboard for b in row]


def labels(keyboard) -> list[str]:
    return [b.text for row in keyboard.inline_keyboard for b in row]


# --- /mydata ----------------------------------------------------------------------------------
EXPORT = {
    "telegram_user_id": 1201,
    "telegram_username": "amina_<b>",
    "language": "es",
    "first_seen": "2026-01-02T10:00:00Z",
    "last_seen": "2026-03-04T18:30:00Z",
    "resident": {
        "building": "Maple & Oak",
        "display_name": "Amina",
        "unit": "4B",
        "tenure": "renter",
        "status": "approved",
    },
    "signup_in_progress": None,
    "consent": [
        {"decision": "given", "version": "2", "at": "2026-01-02T10:05:00Z"},
    ],
    "roles": [{"role": "steward", "building": "Maple & Oak"}],
    "group_warnings": [{"reason": "spam"}, {"reason": "spam again"}],
    "invites_created": [{"code": "K7P2QX"}],
    "audit_log": [{"action": "resident.approve"}] * 3,
    "kept_after_forget": {"audit_log_entries": 3, "ban_trace": False},
}


def test_mydata_summary_shows_everything_we_store_in_english():
    text = privacy.summary_text(EXPORT, when)
    lines = text.splitlines()
    assert lines[0] == "<b>Everything we store about you</b>"
    assert "Telegram account number: 1201" in lines
    assert "@amina_&lt;b&gt;" in lines  # user-written text is escaped
    assert "Language: Español" in lines
    assert "First used the bot: <2026-01-02T10:00:00Z>" in lines
    assert "Building: Maple &amp; Oak" in lines
    assert "Sign-up: approved" in lines
    assert "You received 2 warnings in building groups (see the file for each one)." in lines
    assert "Your role: steward of Maple &amp; Oak." in lines
    assert "You made 1 invite link." in lines
    assert "The stewards' log has 3 entries about you or by you." in lines
    assert "You agreed to our privacy terms (version 2) on <2026-01-02T10:05:00Z>." in lines
    assert "<b>What /forget would keep</b>" in lines
    assert not any("coded trace" in line for line in lines)  # not blocked: no ban trace
    assert lines[-1] == "The attached file holds the same data, for your records."


def test_mydata_summary_of_someone_we_barely_know():
    text = privacy.summary_text({"telegram_user_id": 77}, when)
    assert "Telegram account number: 77" in text
    assert "Language:" not in text
    assert "What /forget would keep" not in text
    assert "Your role" not in text


def test_mydata_summary_of_a_blocked_resident_mentions_the_ban_trace():
    data = {**EXPORT, "kept_after_forget": {"audit_log_entries": 0, "ban_trace": True}}
    text = privacy.summary_text(data, when)
    assert "A coded trace of your block, so that it still applies after /forget." in text


def test_mydata_summary_in_arabic():
    with i18n.use_locale("ar"):
        text = privacy.summary_text(EXPORT, when)
    first = text.splitlines()[0]
    assert ARABIC.search(first) and first.startswith("<b>") and first.endswith("</b>")
    assert "Everything we store" not in text
    assert "Telegram account number" not in text
    # the person's own data is still there, as they gave it
    assert "1201" in text
    assert "Maple &amp; Oak" in text
    assert "<2026-01-02T10:05:00Z>" in text


def test_forget_asks_before_erasing():
    text, keyboard = privacy.forget_prompt()
    assert text.endswith("Erase your data now?")
    assert callbacks(keyboard) == [ForgetConfirm(), ForgetCancel()]


def test_privacy_text_names_the_commands_for_each_right():
    text = privacy.privacy_text()
    assert "/mydata" in text and "/forget" in text


# --- /building --------------------------------------------------------------------------------
def building(**kwargs) -> Building:
    return Building(
        **{"id": 3, "name": "Maple & Oak", "created_at": "", "archived_at": None, **kwargs}
    )


def test_building_line_shows_number_name_and_settings():
    line = buildings.building_line(building(unit_limit=6))
    assert line == "#3 Maple &amp; Oak · up to 6 per unit"
    line = buildings.building_line(building(auto_approve=True, listed=True))
    assert line == (
        "#3 Maple &amp; Oak · approves automatically · up to 8 per unit · "
        "listed for people without an invite"
    )


def test_building_line_in_spanish_is_translated():
    with i18n.use_locale("es"):
        line = buildings.building_line(building(unit_limit=6))
    assert "Maple &amp; Oak" in line and "6" in line
    assert "per unit" not in line


def test_buildings_page_counts_every_building_not_just_the_page():
    text = buildings.buildings_page([building()], total=25)
    assert text.splitlines()[0] == "<b>Buildings (25)</b>"
    assert len(text.splitlines()) == 2
    assert "No buildings yet" in buildings.buildings_page([], total=0)


def test_building_settings_say_who_can_find_it():
    listed = buildings.settings_text(building(listed=True, auto_approve=False))
    assert "stewards approve" in listed and "People without an invite can find it too" in listed
    unlisted = buildings.settings_text(building(auto_approve=True))
    assert "approves automatically" in unlisted and "Only people with an invite see it." in unlisted


def test_archive_asks_first():
    text, keyboard = buildings.archive_prompt(building())
    assert text.startswith("Archive building #3 Maple &amp; Oak?")
    assert callbacks(keyboard) == [BuildingArchive(3), BuildingCancel()]


# --- /invite ----------------------------------------------------------------------------------
def invite(**kwargs) -> Invite:
    values = {
        "code": "K7P2QX",
        "building_id": 3,
        "building_name": "Maple & Oak",
        "created_by": 1,
        "created_at": "",
        "expires_at": None,
        "revoked_at": None,
        "uses": 1,
        "building_archived_at": None,
    }
    return Invite(**{**values, **kwargs})


def test_invite_shows_its_link_expiry_and_uses():
    lines = invites.describe(invite(), "CommonGroundBot", when).splitlines()
    assert lines == [
        "<b>Invite to #3 Maple &amp; Oak</b>",
        "https://t.me/CommonGroundBot?start=K7P2QX",
        "Never expires",
        "Used 1 time · code K7P2QX",
    ]
    text = invites.describe(invite(uses=4, expires_at="2026-05-01T00:00:00Z"), "b", when)
    assert "Works until <2026-05-01T00:00:00Z>" in text
    assert "Used 4 times · code K7P2QX" in text


def test_new_invite_caption_says_what_to_do_with_it():
    caption = invites.created_caption(invite(), "CommonGroundBot", when)
    assert "https://t.me/CommonGroundBot?start=K7P2QX" in caption
    assert "Print the QR code for the lobby" in caption


def test_invites_page_without_invites_says_how_to_make_one():
    assert "/invite" in invites.invites_page([], 0, "b", when)
    two = invites.invites_page([invite(), invite(code="AAAAAA")], 2, "b", when)
    assert two.count("<b>Invite to") == 2


# --- building groups --------------------------------------------------------------------------
def test_join_invitation_button_is_signed_for_the_building():
    text, keyboard = groups.join_invitation(7, "Maple & Oak", "0123456789")
    assert "Maple &amp; Oak" in text
    assert callbacks(keyboard) == [SignupInvited(7, "0123456789")]
    assert keyboard.inline_keyboard[0][0].callback_data == "su:grp:7:0123456789"


def test_warning_says_how_many_and_whether_they_were_muted():
    plain = groups.warned_text("Sam <3", 1, "be kind")
    assert plain.splitlines() == ["⚠️ Sam &lt;3 has been warned (1/3).", "Reason: be kind"]
    muted = groups.warned_text("Sam", 3, "be kind", muted=True)
    assert "That is 3 warnings: they can't write here for a day." in muted
    refused = groups.warned_text("Sam", 3, "be kind", muted=False)
    assert "That is 3 warnings" not in refused and "admin of that group" in refused


def test_mute_duration_is_written_in_the_readers_language():
    assert groups.muted_text("Sam", timedelta(hours=2), "spam").startswith(
        "🔇 Sam can't write here for 2 hours."
    )
    with i18n.use_locale("fr"):
        told = groups.muted_told_text("Maple", timedelta(hours=2), "spam")
    assert "2\xa0heures" in told and "Maple" in told and "spam" in told


# --- /start, /help and the rest ---------------------------------------------------------------
def test_welcome_greets_by_name_and_offers_to_confirm_the_language():
    text = start.welcome_text("Amina <3", "es")
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "👋 Welcome to Common Ground, Amina &lt;3!"
    assert paragraphs[-1] == "I'll write to you in <b>español</b>. Is that right?"
    keyboard = start.welcome_keyboard("es")
    assert labels(keyboard) == ["✅ Yes, continue in español", "🌐 Choose another language"]
    assert callbacks(keyboard) == [LanguageSet("es"), LanguageMenu()]


def test_welcome_in_arabic():
    with i18n.use_locale("ar"):
        text = start.welcome_text("Amina", "ar")
    assert ARABIC.search(text) and "Amina" in text
    assert "Welcome" not in text


def test_welcome_back_shows_the_residents_building_and_status():
    resident = Resident(
        user_id=1,
        building_id=3,
        building_name="Maple & Oak",
        display_name="Amina",
        unit="4B",
        tenure=None,
        affordability=None,
        status="pending",
        consent_version="2",
        consent_at="",
        created_at="",
    )
    text = start.welcome_back_text(resident)
    assert text.startswith(
        "Welcome back, Amina! You are signed up for Maple &amp; Oak "
        "(waiting for a steward's approval)."
    )
    assert text.endswith("Send /help to see what I can do.")


@pytest.mark.parametrize("role", list(Role))
def test_help_lists_exactly_the_commands_of_the_role(role):
    text = help.help_text(role)
    shown = re.findall(r"^/(\w+) — ", text, flags=re.MULTILINE)
    assert shown == [c.name for c in commands_for(role) if c.role == Role.RESIDENT] + [
        c.name for c in commands_for(role) if c.role != Role.RESIDENT
    ]
    assert ("For stewards and organisers" in text) == (role > Role.RESIDENT)


def test_unknown_command_is_echoed_safely():
    text = fallback.unknown_command_text("/<b>")
    assert text == "I don't know the command /&lt;b&gt;. Send /help to see what I can do."


def test_status_counts_people_by_language_most_first():
    snap = StatusSnapshot(
        version="0.1.0",
        uptime_seconds=7200,
        schema_version=9,
        users_total=12345,
        users_by_locale={"es": 2000, "": 10000, "ar": 345},
    )
    lines = admin.status_text(snap).splitlines()
    assert lines[0] == "<b>Common Ground is running</b> (version 0.1.0)"
    assert "Up for 2 hours" in lines
    assert "People who use the bot: 12,345" in lines
    assert lines[-1] == "By language: Telegram app language: 10,000, Español: 2,000, العربية: 345"


def test_status_shows_what_waits_to_be_sent_and_the_last_error():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.services.status import LastError

    snap = StatusSnapshot(
        version="0.2.0",
        uptime_seconds=60,
        schema_version=18,
        users_total=0,
        users_by_locale={},
        waiting={
            "event.reminder": {"queued": 4, "sending": 0},
            "announcement": {"queued": 1200, "sending": 30},
        },
        last_error=LastError(
            datetime(2026, 11, 25, 2, 5, tzinfo=UTC),
            "bot.handlers.errors: Update %s caused an error (KeyError)",
        ),
    )
    lines = admin.status_text(snap, ZoneInfo("Europe/Paris")).splitlines()
    assert lines[0] == "<b>Common Ground is running</b> (version 0.2.0)"
    assert (
        "Waiting to be sent: <code>announcement</code> 1,200 (30 being sent), "
        "<code>event.reminder</code> 4"
    ) in lines
    assert (
        "Last error: 11/25/26, 3:05\u202fAM, "
        "<code>bot.handlers.errors: Update %s caused an error (KeyError)</code>"
    ) in lines
    quiet = admin.status_text(StatusSnapshot("0.2.0", 60, 18, 0, {}), ZoneInfo("UTC")).splitlines()
    assert "Waiting to be sent: nothing" in quiet
    assert "Last error: none since the start" in quiet


def test_menus_are_in_the_chosen_language():
    commands = menus.bot_commands(Role.RESIDENT, "es")
    assert [c.command for c in commands] == [c.name for c in commands_for(Role.RESIDENT)]
    with i18n.use_locale("es"):
        assert "Common Ground" in menus.description()
        assert menus.short_description() != "Your building's organising bot"
    assert all(c.description for c in commands)
    assert "Change your language" not in [c.description for c in commands]
