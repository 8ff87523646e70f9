"""Announcements paused with /stop, and turned on again with /start."""

from __future__ import annotations

from bot.i18n import _


def paused_text() -> str:
    return _(
        "Announcements are paused: I won't send you announcements until you send /start "
        "again. I'll still answer when you write to me."
    )


def resumed_text() -> str:
    return _("Announcements are on again. Welcome back!")
