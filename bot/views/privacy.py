"""/privacy, /mydata and /forget as residents see them: what we store, the summary of their
own data, and the erase confirmation."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import _, ngettext
from bot.views.buttons import ForgetCancel, ForgetConfirm
from bot.views.common import esc
from bot.views.signup import resident_lines

When = Callable[[str], str]  # a stored timestamp, shown to the reader


def privacy_text() -> str:
    return "\n\n".join(
        (
            _("🔒 <b>Your privacy</b>"),
            _(
                "<b>What we store:</b> your Telegram account number and @username (not your "
                "phone number), your language, and when you first and last used the bot. If you "
                "sign up for your building: the name you give, your unit, and only if you "
                "choose, how you live here (renting, owning...)."
            ),
            _("<b>Why:</b> so that messages reach you, in your language."),
            _(
                "<b>Who sees it:</b> the stewards of your building and the organisers who run "
                "the bot for your community. We never sell it or share it with your landlord "
                "or anyone else."
            ),
            _(
                "<b>Your rights:</b> /mydata shows everything we store about you, and /forget "
                "erases it. You can start again at any time with /start."
            ),
            _(
                "<b>Surveys:</b> your answers are kept under a random number, never with your "
                "name. While a wave is open we keep which number is yours, so that you can "
                "change your answers; when it closes, or when you use /forget, that link is "
                "erased and your answers stay in the totals without anything tying them to you."
            ),
            _(
                "After a wave closes we keep only that you answered, not what, so that the "
                "follow-up about what changed reaches you; /forget erases that too."
            ),
            _(
                "<b>What /forget keeps:</b> the stewards' log keeps a line for each decision "
                "made about you, with your account number but without your name or any "
                "reason. If you were blocked from a building, a coded trace of that block "
                "stays, so that it still applies. Nothing else."
            ),
        )
    )


def summary_text(data: dict, when: When) -> str:
    """/mydata's readable summary; ``when`` shows a stored timestamp to the reader."""
    lines = [_("<b>Everything we store about you</b>"), ""]
    lines.append(_("Telegram account number: {id}").format(id=data["telegram_user_id"]))
    if data.get("telegram_username"):
        lines.append(f"@{esc(data['telegram_username'])}")
    if "language" in data:
        language = data["language"]
        lines += [
            _("Language: {language}").format(
                language=i18n.language_name(language)
                if language
                else _("same as your Telegram app")
            ),
            _("First used the bot: {date}").format(date=when(data["first_seen"])),
            _("Last used the bot: {date}").format(date=when(data["last_seen"])),
        ]
    resident = data.get("resident")
    if resident:
        lines.append("")
        lines += resident_lines(
            resident["building"],
            resident["display_name"],
            resident["unit"],
            resident["tenure"],
            resident["status"],
            resident.get("affordability"),
        )
    warnings = data.get("group_warnings", [])
    if warnings:
        lines += [
            "",
            ngettext(
                "You received {count} warning in a building group (see the file for each one).",
                "You received {count} warnings in building groups (see the file for each one).",
                len(warnings),
            ).format(count=len(warnings)),
        ]
    for role in data.get("roles", []):
        if role["role"] == "organiser":
            lines += ["", _("Your role: organiser, for every building.")]
        else:
            lines += [
                "",
                _("Your role: steward of {building}.").format(building=esc(role["building"])),
            ]
    invites = data.get("invites_created", [])
    if invites:
        lines += [
            "",
            ngettext(
                "You made {count} invite link.", "You made {count} invite links.", len(invites)
            ).format(count=len(invites)),
        ]
    entries = data.get("audit_log", [])
    if entries:
        lines += [
            "",
            ngettext(
                "The stewards' log has {count} entry about you or by you.",
                "The stewards' log has {count} entries about you or by you.",
                len(entries),
            ).format(count=len(entries)),
        ]
    answering = data.get("survey_answers_while_open") or {}
    if answering:
        lines += [
            "",
            _(
                "Your answers in survey waves still open (numbers {waves}): linked to you "
                "until the wave closes, then kept without anything tying them to you."
            ).format(waves=", ".join(str(w) for w in answering)),
        ]
    answered = data.get("survey_waves_answered") or []
    if answered:
        lines += [
            "",
            _(
                "You answered survey waves {waves}: we keep only that you answered (not what), "
                "so that you hear what changed."
            ).format(waves=", ".join(str(w) for w in answered)),
        ]
    if data.get("signup_in_progress"):
        lines += ["", _("A sign-up you have not finished yet (send /start to carry on).")]
    consents = data.get("consent", [])
    if consents:  # the latest decision (each one is in the file)
        record = consents[-1]
        label = (
            _("You agreed to our privacy terms (version {version}) on {date}.")
            if record["decision"] == "given"
            else _("You declined our privacy terms (version {version}) on {date}.")
        )
        lines += ["", label.format(version=record["version"], date=when(record["at"]))]
    kept = data.get("kept_after_forget", {})
    if kept.get("audit_log_entries") or kept.get("ban_trace"):
        lines += ["", _("<b>What /forget would keep</b>")]
        if kept.get("audit_log_entries"):
            lines.append(
                _(
                    "The stewards' log entries, with your account number but without your "
                    "name or any reason, so that every decision stays accountable."
                )
            )
        if kept.get("ban_trace"):
            lines.append(_("A coded trace of your block, so that it still applies after /forget."))
    lines += ["", _("The attached file holds the same data, for your records.")]
    return "\n".join(lines)


def nothing_stored_text() -> str:
    return _("We don't store anything about you. Send /start if you want to begin.")


def forget_prompt() -> tuple[str, InlineKeyboardMarkup]:
    """The question /forget asks, with its two buttons."""
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("🗑 Yes, erase my data"), callback_data=ForgetConfirm().pack())],
            [InlineKeyboardButton(_("Cancel"), callback_data=ForgetCancel().pack())],
        ]
    )
    text = _(
        "This erases everything we store about you, and I will no longer know you. "
        "You can start again at any time with /start.\n\nErase your data now?"
    )
    return text, keyboard


def forgotten_text() -> str:
    return _("Done: your data is erased. Goodbye for now, and take care!")


def not_erased_text() -> str:
    return _("Nothing was erased.")
