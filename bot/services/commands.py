"""The command catalogue: one place that says which commands exist and who may use them.

``/help`` and the per-language command menus are both built from it, so a new command shows
up everywhere once it is listed here (and registered in ``bot.app``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_
from bot.services.roles import Role


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # msgid, translate with _() when rendering
    role: Role = Role.RESIDENT
    heavy: bool = False  # sends a file or a long list: limited per person per minute
    private: bool = False  # lists people: answered in a private chat only
    translators: bool = False  # listed for translators (and stewards up), not every resident


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start, or see the welcome again")),
    Command("help", N_("What I can do for you")),
    Command("language", N_("Change your language"), private=True),
    Command("profile", N_("See or change your sign-up answers"), private=True),
    Command("privacy", N_("What we store and why")),
    Command("mydata", N_("See everything we store about you"), heavy=True, private=True),
    Command("forget", N_("Erase your data"), private=True),
    Command("stop", N_("Pause announcements (/start turns them back on)")),
    Command("pending", N_("Sign-ups waiting for approval"), Role.STEWARD, heavy=True, private=True),
    Command("approve", N_("Approve a resident's sign-up"), Role.STEWARD, private=True),
    Command("reject", N_("Turn down a sign-up, with a reason"), Role.STEWARD, private=True),
    Command("ban", N_("Block a resident, with a reason"), Role.STEWARD, private=True),
    Command("unban", N_("Unblock a resident"), Role.STEWARD, private=True),
    Command(
        "residents", N_("The residents of your buildings"), Role.STEWARD, heavy=True, private=True
    ),
    Command(
        "audit",
        N_("The latest steward and organiser actions"),
        Role.STEWARD,
        heavy=True,
        private=True,
    ),
    Command("warn", N_("In your building's group: warn someone (reply to them)"), Role.STEWARD),
    Command("mute", N_("In your building's group: mute someone for a while"), Role.STEWARD),
    Command("linkgroup", N_("In a Telegram group: make it your building's group"), Role.STEWARD),
    Command("promote", N_("Make someone a steward or an organiser"), Role.ORGANISER, private=True),
    Command(
        "demote", N_("Take a steward's or organiser's role away"), Role.ORGANISER, private=True
    ),
    Command(
        "building", N_("Add, rename, archive and list buildings"), Role.ORGANISER, private=True
    ),
    Command("invite", N_("Invite links and QR codes for a building"), Role.STEWARD, private=True),
    Command("announce", N_("Send an announcement to residents"), Role.STEWARD, private=True),
    Command("announcements", N_("Recent announcements"), Role.STEWARD, private=True),
    Command(
        "report", N_("How an announcement was delivered"), Role.STEWARD, heavy=True, private=True
    ),
    Command("editannounce", N_("Correct an announcement already sent"), Role.STEWARD, private=True),
    Command("translate", N_("Translate announcements"), private=True, translators=True),
    Command(
        "translator", N_("Give or take away the translator role"), Role.ORGANISER, private=True
    ),
    Command("events", N_("Upcoming events")),
    Command("myevents", N_("The events you answered"), private=True),
    Command("newevent", N_("Create an event"), Role.STEWARD, private=True),
    Command(
        "editevent",
        N_("Change an event's time, title, place or capacity"),
        Role.STEWARD,
        private=True,
    ),
    Command(
        "cancelevent",
        N_("Cancel an event and tell everyone who answered"),
        Role.STEWARD,
        private=True,
    ),
    Command(
        "attendance", N_("Mark who came to an event, after it starts"), Role.STEWARD, private=True
    ),
    Command(
        "eventreport",
        N_("How an event went: answers, attendance, needs, follow-up"),
        Role.STEWARD,
        heavy=True,
        private=True,
    ),
    Command(
        "survey",
        N_("Survey residents in waves, and see the results"),
        Role.STEWARD,
        heavy=True,
        private=True,
    ),
    Command("poll", N_("Ask residents a quick question in a poll"), Role.STEWARD, private=True),
    Command("polls", N_("Your polls and how many answered"), Role.STEWARD, private=True),
    Command(
        "closepoll", N_("Close a poll now: its result becomes final"), Role.STEWARD, private=True
    ),
    Command(
        "results",
        N_("A poll's results, by building, tenure, kind of unit or language, or as CSV"),
        Role.STEWARD,
        heavy=True,
        private=True,
    ),
    Command("status", N_("Bot health and numbers"), Role.ADMIN, private=True),
)


def commands_for(role: Role, translator: bool = False) -> list[Command]:
    """The commands a user with ``role`` may use, residents' first."""
    return [
        c
        for c in COMMANDS
        if c.role <= role and (not c.translators or translator or role >= Role.STEWARD)
    ]


def get(name: str) -> Command | None:
    return next((c for c in COMMANDS if c.name == name), None)
