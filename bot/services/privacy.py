"""Data rights: everything stored about a person, and erasing it."""

from __future__ import annotations

import json

from bot.services.delivery import DeliveryService
from bot.services.groups import GroupService
from bot.services.signup import SignupService
from bot.services.users import UserService
from bot.storage.announcements import AnnouncementsRepository
from bot.storage.audit import AuditRepository
from bot.storage.event_attendance import AttendanceRepository
from bot.storage.events import EventsRepository
from bot.storage.inbox import InboxRepository
from bot.storage.invites import InvitesRepository
from bot.storage.polls import PollsRepository
from bot.storage.roles import RolesRepository
from bot.storage.surveys import SurveysRepository


class PrivacyService:
    def __init__(
        self,
        users: UserService,
        signup: SignupService,
        groups: GroupService,
        roles: RolesRepository,
        invites: InvitesRepository,
        audit: AuditRepository,
        delivery: DeliveryService,
        announcements: AnnouncementsRepository,
        events: EventsRepository | None = None,
        surveys: SurveysRepository | None = None,
        polls: PollsRepository | None = None,
        inbox: InboxRepository | None = None,
    ) -> None:
        self.inbox = inbox
        self.polls = polls
        self.surveys = surveys
        self.announcements = announcements
        self.events = events
        self.users = users
        self.signup = signup
        self.groups = groups
        self.roles = roles
        self.invites = invites
        self.audit = audit
        self.delivery = delivery

    async def export(self, user_id: int) -> dict | None:
        """All we hold, as JSON-ready data, including what /forget would keep (and why);
        None when we hold nothing at all."""
        account = await self.users.export(user_id)
        membership = await self.signup.export(user_id)
        warnings = await self.groups.warnings_of(user_id)
        roles = await self.roles.export(user_id)
        invites = await self.invites.created_by(user_id)
        entries = [
            {
                "at": e["at"],
                "action": e["action"],
                "about_you": e["subject_id"] == user_id,
                "by_you": e["actor_id"] == user_id,
                "building": e["building"],
                "reason": e["reason"],
                "details": json.loads(e["details"]) if e["details"] else None,
                "text_erased_at": e["erased_at"],
            }
            for e in await self.audit.about(user_id)
        ]
        if account is None and not (membership["consent"] or warnings or roles or entries):
            return None
        resident = membership["resident"]
        return {
            **(account or {"telegram_user_id": user_id}),
            **membership,
            "roles": roles,
            "group_warnings": warnings,
            "invites_created": invites,
            "audit_log": entries,
            "messages_from_the_bot": await self.delivery.sent_to(user_id),
            **await self.announcements.export(user_id),
            **(await self.events.export(user_id) if self.events else {}),
            **(await AttendanceRepository(self.events.db).export(user_id) if self.events else {}),
            **(await self.surveys.export(user_id) if self.surveys else {}),
            **({"poll_answers": await self.polls.of_person(user_id)} if self.polls else {}),
            "kept_after_forget": {
                "audit_log_entries": len(entries),
                "ban_trace": bool(resident and resident["status"] == "banned"),
            },
        }

    async def forget(self, user_id: int, update_id: int | None = None) -> None:
        """Erase the profile, the sign-up, roles, consent records, warnings and the reasons
        written about them; keep a ban as a keyed hash only. Survey links go first: the
        answers stay, tied to nobody. ``update_id``: the update that asked for it (webhook
        mode: see below)."""
        if self.surveys is not None:
            await self.surveys.forget(user_id)
        if self.polls is not None:  # the answers stay in the totals, tied to nobody
            async with self.polls.db.transaction() as tx:
                await self.polls.forget(tx, user_id)
        await self.signup.erase(user_id)
        if self.inbox is not None:
            # Webhook mode keeps each update's raw JSON (their name, what they wrote) in
            # `inbox` until it is processed; the worker then deletes the row (zeroed:
            # `secure_delete`). It takes rows in update_id order, so when this runs the rows
            # still there from the person up to this update are ones in hand beside it, or one
            # whose deletion failed, or this very update: they go now, with the rest of their
            # data. Their later updates are new requests (a /start after erasing), answered
            # and deleted as usual, as in polling mode.
            await self.inbox.forget(user_id, update_id)
