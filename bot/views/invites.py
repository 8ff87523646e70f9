"""/invite as stewards and organisers see it: the usage, each invite described, the caption of
a new invite's QR code, and the confirmations."""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import N_, _, ngettext
from bot.services.invites import deep_link
from bot.storage.invites import Invite
from bot.views.common import esc

When = Callable[[str], str]  # a stored timestamp, shown to the reader

USAGE = (
    N_("/invite 3 — a new invite link and QR code for building #3"),
    N_("/invite 3 30 — the same, valid for 30 days"),
    N_("/invite list — the invites that still work, and how often each was used"),
    N_("/invite revoke CODE — stop an invite from working"),
)


def usage_text() -> str:
    return "\n".join([_("<b>Invites</b>"), *(_(line) for line in USAGE)])


def describe(invite: Invite, bot_username: str, when: When) -> str:
    """An invite: its building, link, expiry and uses."""
    if invite.expires_at is None:
        expiry = _("Never expires")
    else:
        expiry = _("Works until {date}").format(date=when(invite.expires_at))
    return "\n".join(
        (
            _("<b>Invite to #{id} {name}</b>").format(
                id=invite.building_id, name=esc(invite.building_name)
            ),
            deep_link(bot_username, invite.code),
            expiry,
            ngettext(
                "Used {count} time · code {code}", "Used {count} times · code {code}", invite.uses
            ).format(count=invite.uses, code=invite.code),
        )
    )


def created_caption(invite: Invite, bot_username: str, when: When) -> str:
    """The caption under a new invite's QR code."""
    return (
        describe(invite, bot_username, when)
        + "\n\n"
        + _(
            "Print the QR code for the lobby, or share the link: residents who open it can sign up "
            "for this building in their own language."
        )
    )


def invites_page(page: list[Invite], total: int, bot_username: str, when: When) -> str:
    """A page of /invite list; ``total`` counts every invite that still works."""
    if not total:
        return _("No invite works at the moment. Make one with /invite and a building number.")
    return "\n\n".join(describe(i, bot_username, when) for i in page)


def revoked_text(invite: Invite) -> str:
    return _("The invite {code} to {name} no longer works.").format(
        code=invite.code, name=esc(invite.building_name)
    )
