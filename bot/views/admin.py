"""/status for the bot's admins: version, uptime, schema and users by language."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_timedelta
from babel.numbers import format_decimal

from bot import i18n
from bot.i18n import _
from bot.services.status import StatusSnapshot
from bot.views.common import note_if_hidden, shown_count


def status_text(snap: StatusSnapshot) -> str:
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
        _("People who use the bot: {count}").format(count=number(snap.users_total)),
    ]
    if by_language:
        lines.append(_("By language: {list}").format(list=by_language))
    return "\n".join(note_if_hidden(lines, snap.min_group))
