"""Updates: getUpdates long polling, webhooks, and answering callback queries."""

from __future__ import annotations

import copy

from ..limits import CALLBACK_ANSWER_WINDOW, MAX_CALLBACK_ANSWER
from ..protocol import ApiError, bad, truthy
from ..state import DEFAULT_ALLOWED_UPDATES
from .base import MethodGroup, api_method

__all__ = ["UpdateMethods"]


class UpdateMethods(MethodGroup):
    @api_method("getUpdates")
    async def get_updates(self, params: dict, files: dict) -> list[dict]:
        world = self.world
        if world.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        world.polls_started += 1
        self.api.changes.notify()
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            world.updates = [u for u in world.updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            world.updates = world.updates[offset:]
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            world.allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
        limit = params.get("limit", 100)
        limit = min(max(limit if isinstance(limit, int) else 100, 1), 100)
        timeout = params.get("timeout", 0)
        timeout = max(float(timeout), 0.0) if isinstance(timeout, int | float) else 0.0
        deadline = self.api.clock() + timeout
        while True:
            world.updates = [u for u in world.updates if any(k in world.allowed_updates for k in u)]
            if world.updates:
                break
            remaining = deadline - self.api.clock()
            if remaining <= 0:
                break
            await self.api.changes.wait(remaining)
        batch = copy.deepcopy(world.updates[:limit])
        now = self.api.clock()
        for update in batch:
            query = update.get("callback_query")
            entry = world.callbacks.get(str(query.get("id"))) if isinstance(query, dict) else None
            if entry is not None and entry[1] is None:
                entry[1] = now  # Telegram's answer window starts when the bot gets the query
        if batch:
            world.max_delivered_update_id = max(
                world.max_delivered_update_id, batch[-1]["update_id"]
            )
        return batch

    @api_method("setWebhook")
    def set_webhook(self, params: dict, files: dict) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.world.webhook_url = url
        self.world.webhook_secret = str(params.get("secret_token") or "") if url else ""
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self.world.allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
        if truthy(params.get("drop_pending_updates")):
            self.world.updates.clear()
        return True

    @api_method("deleteWebhook")
    def delete_webhook(self, params: dict, files: dict) -> bool:
        self.world.webhook_url = ""
        self.world.webhook_secret = ""
        if truthy(params.get("drop_pending_updates")):
            self.world.updates.clear()
        return True

    @api_method("getWebhookInfo")
    def get_webhook_info(self, params: dict, files: dict) -> dict:
        return {
            "url": self.world.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates),
        }

    @api_method("answerCallbackQuery")
    def answer_callback_query(self, params: dict, files: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        entry = self.world.callbacks.get(query_id)
        if (
            entry is None
            or entry[0] <= 0
            or (entry[1] is not None and self.api.clock() - entry[1] > CALLBACK_ANSWER_WINDOW)
        ):
            raise bad("query is too old and response timeout expired or query ID is invalid")
        entry[0] -= 1
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER:
            raise bad("MESSAGE_TOO_LONG")
        self.world.callback_answers[query_id] = {
            "text": text,
            "show_alert": truthy(params.get("show_alert")),
            "url": params.get("url"),
        }
        return True
