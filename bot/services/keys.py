"""Keyed hashes with the database's own secret: ban traces that outlive /forget, and
signatures on buttons that grant something (so a forged press grants nothing)."""

from __future__ import annotations

import hashlib
import hmac
import re

from bot.storage.settings import SettingsRepository

SIGNATURE_LENGTH = 10  # hex characters on a button: 40 bits, checked on the server
_SIGNATURE = re.compile(f"[0-9a-f]{{{SIGNATURE_LENGTH}}}")


class Keys:
    def __init__(self, repo: SettingsRepository) -> None:
        self.repo = repo
        self._secret: bytes | None = None

    async def _key(self) -> bytes:
        if self._secret is None:
            value = await self.repo.get("secret")
            if not value:
                raise RuntimeError("the database has no secret (run the migrations)")
            self._secret = bytes.fromhex(value)
        return self._secret

    async def load(self) -> None:
        """Read the secret now (before a transaction that will need it)."""
        await self._key()

    async def digest(self, purpose: str, *parts: object) -> str:
        message = "\x1f".join([purpose, *map(str, parts)]).encode()
        return hmac.new(await self._key(), message, hashlib.sha256).hexdigest()

    async def ban_trace(self, user_id: int, building_id: int) -> str:
        return await self.digest("ban", user_id, building_id)

    async def sign(self, *parts: object) -> str:
        return (await self.digest("button", *parts))[:SIGNATURE_LENGTH]

    async def verify(self, signature: str, *parts: object) -> bool:
        if not _SIGNATURE.fullmatch(signature):  # anything else was never ours
            return False
        return hmac.compare_digest(signature, await self.sign(*parts))
