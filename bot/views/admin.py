"""/status for the bot's admins: version, uptime, schema, what waits to be sent (and, in
webhook mode, to be handled), the last error, and users by language."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from babel.numbers import format_decimal

from bot import i18n
from bot.clock import local
from bot.health import INBOX_STALE_SECONDS
from bot.i18n import _, ngettext
from bot.services.status import StatusSnapshot
from bot.views.common import esc, note_if_hidden, shown_count


def status_text(snap: StatusSnapshot, timezone: ZoneInfo | None = None) -> str:
    locale = i18n.current_locale()
    number = lambda n: format_decimal(n, locale=locale)  # noqa: E731
    app_language = _("Telegram app language")
    by_language = ", ".join(
        f"{i18n.language_name(loc) if loc else app_language}: "
        + (number(n) if n is not None and n >= 0 else shown_count(n, snap.min_group))
        for loc, n in sorted(snap.users_by_locale.items(), key=lambda kv: -(kv[1] or 0))
    )
    lines = [
        _("<b>Common Ground is running</b> (version {version})").format(version=snap.version),
        _("Up for {duration}").format(
            duration=format_timedelta(
                timedelta(seconds=snap.uptime_seconds), locale=locale, threshold=1.1
            )
        ),
        _("Database schema version: {version}").format(version=snap.schema_version),
        waiting_line(snap, number),
        *inbox_lines(snap, number, locale),
        last_error_line(snap, timezone or ZoneInfo("UTC"), locale),
        _("People who use the bot: {count}").format(count=number(snap.users_total)),
    ]
    if by_language:
        lines.append(_("By language: {list}").format(list=by_language))
    return "\n".join(note_if_hidden(lines, snap.min_group))


def waiting_line(snap: StatusSnapshot, number) -> str:
    """The outbox's depth by kind of message, largest first."""
    if not snap.waiting:
        return _("Waiting to be sent: nothing")
    parts = []
    for kind, states in sorted(snap.waiting.items(), key=lambda kv: -sum(kv[1].values())):
        part = f"<code>{esc(kind)}</code> {number(states.get('queued', 0))}"
        if states.get("sending"):
            part += " " + _("({count} being sent)").format(count=number(states["sending"]))
        parts.append(part)
    return _("Waiting to be sent: {list}").format(list=", ".join(parts))


def inbox_lines(snap: StatusSnapshot, number, locale: str) -> list[str]:
    """Webhook mode: the updates Telegram delivered that wait to be handled, and a warning when
    the oldest has waited so long that the worker is stuck (the healthcheck fails then too)."""
    inbox = snap.inbox
    if inbox is None:
        return []
    if inbox.oldest_seconds is None:
        return [_("From Telegram, waiting to be handled: nothing")]
    duration = lambda seconds: format_timedelta(  # noqa: E731
        timedelta(seconds=seconds), locale=locale, threshold=1.1
    )
    lines = [
        ngettext(
            "From Telegram, waiting to be handled: {count}, for {duration}",
            "From Telegram, waiting to be handled: {count}, the oldest for {duration}",
            inbox.pending,
        ).format(count=number(inbox.pending), duration=duration(inbox.oldest_seconds))
    ]
    if inbox.stuck:
        lines.append(
            _(
                "⚠️ What Telegram sends is not being handled (the oldest has waited over "
                "{duration}): look at the logs, then restart the bot."
            ).format(duration=duration(INBOX_STALE_SECONDS))
        )
    return lines


def last_error_line(snap: StatusSnapshot, timezone: ZoneInfo, locale: str) -> str:
    if snap.last_error is None:
        return _("Last error: none since the start")
    return _("Last error: {when}, {details}").format(
        when=local(snap.last_error.at, timezone, locale, "short"),
        details=f"<code>{esc(snap.last_error.what)}</code>",
    )
