"""/help: the commands a role may use, each on its own line, in the reader's language."""

from __future__ import annotations

from bot.i18n import _
from bot.services.commands import commands_for
from bot.services.roles import Role


def help_text(role: Role) -> str:
    lines = [_("Here is what I can do for you:"), ""]
    extra = []
    for command in commands_for(role):
        line = _("{command} — {description}").format(
            command=f"/{command.name}", description=_(command.description)
        )
        (lines if command.role == Role.RESIDENT else extra).append(line)
    if extra:
        lines += ["", _("<b>For stewards and organisers</b>"), *extra]
    lines += ["", _("Tip: tap a command, or use the menu button next to the text box.")]
    return "\n".join(lines)


def see_help_text() -> str:
    return _("Send /help to see what I can do.")
