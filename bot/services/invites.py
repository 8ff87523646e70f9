"""Invite links per building: create (with an optional expiry), list, revoke, check, count."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta
from enum import Enum

import qrcode
from qrcode.image.pure import PyPNGImage

from bot.clock import Clock, system_clock, to_db
from bot.services.problems import Problem
from bot.services.roles import Actor, RoleService
from bot.storage.invites import Invite, InvitesRepository

MAX_DAYS = 365


class InviteProblem(Problem):
    class Kind(Enum):
        UNKNOWN_LINK = "unknown_link"  # a /start code we never made (or a typo)
        NOT_FOUND = "not_found"  # /invite revoke of a code we never made
        EXPIRED = "expired"
        REVOKED = "revoked"  # the link was withdrawn
        ALREADY_WITHDRAWN = "already_withdrawn"  # /invite revoke, a second time
        CLOSED = "closed"  # the building was archived
        BAD_DAYS = "bad_days"
        NOT_YOURS = "not_yours"  # a building the actor does not look after


def new_code() -> str:
    """12 URL-safe random characters: unguessable, and valid as a /start payload."""
    return secrets.token_urlsafe(9)


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


QR_BORDER = 4  # modules of white around the code (the standard's quiet zone)


def _qr(link: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(
        box_size=16, border=QR_BORDER, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    qr.add_data(link)
    qr.make(fit=True)
    return qr


def qr_matrix(link: str) -> list[list[bool]]:
    """The QR code of ``link`` as rows of modules (True is dark), its white border included:
    what :func:`qr_png` draws, for the poster (``views/poster``) to draw the same code."""
    return _qr(link).get_matrix()


def qr_png(link: str) -> bytes:
    """A QR code PNG of ``link``, large enough to scan from a lobby poster."""
    image = _qr(link).make_image(image_factory=PyPNGImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


class InviteService:
    def __init__(
        self,
        repo: InvitesRepository,
        roles: RoleService,
        clock: Clock = system_clock,
    ) -> None:
        self.repo = repo
        self.roles = roles
        self.clock = clock

    def _now(self) -> str:
        return to_db(self.clock())

    async def _check_scope(self, actor_id: int, building_id: int) -> None:
        """Stewards make and withdraw invites for their own buildings only."""
        if not await self.roles.can_moderate(actor_id, building_id):
            raise InviteProblem(InviteProblem.NOT_YOURS)

    async def create(self, actor_id: int, building_id: int, days: int | None = None) -> Invite:
        await self._check_scope(actor_id, building_id)
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise InviteProblem(InviteProblem.BAD_DAYS)
        expires = None
        if days is not None:
            expires = to_db(self.clock() + timedelta(days=days))
        return await self.repo.create(actor_id, new_code(), building_id, expires)

    async def active(self, actor: Actor) -> list[Invite]:
        """The invites that still work, in the buildings the actor looks after."""
        buildings = None if actor.buildings is None else set(actor.buildings)
        return await self.repo.list_active(self._now(), buildings)

    async def get(self, code: str, missing: InviteProblem.Kind = InviteProblem.NOT_FOUND) -> Invite:
        invite = await self.repo.get(code) if 8 <= len(code) <= 64 else None
        if invite is None:
            raise InviteProblem(missing)
        return invite

    async def revoke(self, actor_id: int, code: str) -> Invite:
        invite = await self.get(code)
        await self._check_scope(actor_id, invite.building_id)
        if not await self.repo.revoke(actor_id, code, invite.building_id):
            raise InviteProblem(InviteProblem.ALREADY_WITHDRAWN)
        return invite

    async def check(self, code: str) -> Invite:
        """The invite behind a /start payload, if it can still be used to sign up."""
        invite = await self.get(code, InviteProblem.UNKNOWN_LINK)
        if invite.revoked_at is not None:
            raise InviteProblem(InviteProblem.REVOKED)
        if invite.building_archived_at is not None:
            raise InviteProblem(InviteProblem.CLOSED)
        if invite.expires_at is not None and invite.expires_at <= self._now():
            raise InviteProblem(InviteProblem.EXPIRED)
        return invite
