"""What people see when the bot could not use what they sent: a pointer to /help."""

from __future__ import annotations

from bot.i18n import _
from bot.views.common import esc
from bot.views.help import see_help_text


def unknown_command_text(command: str) -> str:
    """``command``: the word that was sent, already shortened for echoing."""
    return (
        _("I don't know the command {command}.").format(command=esc(command))
        + " "
        + see_help_text()
    )


def hint_text() -> str:
    """For free text, stickers, photos and the like in a private chat."""
    return _("I work best with buttons and commands.") + " " + see_help_text()
