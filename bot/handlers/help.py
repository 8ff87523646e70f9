"""/help: the commands this user's role may use, in their language."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import BotContext, current_actor, localized
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


@localized
async def help_command(update: Update, context: BotContext) -> None:
    role = (await current_actor(update, context)).role
    await update.effective_message.reply_text(help_text(role))
