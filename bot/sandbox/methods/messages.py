"""Messages: sending text, editing, deleting, reactions and chat actions."""

from __future__ import annotations

import time
from typing import Any

from ..limits import (
    MAX_BOT_REACTIONS,
    MAX_CAPTION,
    MAX_DELETE_MESSAGES,
    MAX_TEXT,
    check_markup,
    format_text,
)
from ..protocol import as_int, bad, truthy
from ..state import World
from .base import MethodGroup, api_method

__all__ = ["NOT_MODIFIED", "MessageMethods", "caption_fields", "replace_message", "send"]

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


# ------------------------------------------------ shared by every sending method
def reply_fields(world: World, chat: dict, params: dict) -> dict:
    """``reply_to_message`` for reply_parameters / reply_to_message_id, checked."""
    reply = params.get("reply_parameters")
    target = None
    allow_missing = False
    if isinstance(reply, dict):
        target = reply.get("message_id")
        allow_missing = bool(reply.get("allow_sending_without_reply"))
    elif params.get("reply_to_message_id") is not None:
        target = params["reply_to_message_id"]
        allow_missing = truthy(params.get("allow_sending_without_reply"))
    if target is None:
        return {}
    original = world.message(chat["id"], as_int(target, "message identifier"))
    if original is None:
        if allow_missing:
            return {}
        raise bad("message to be replied not found")
    return {"reply_to_message": {k: v for k, v in original.items() if k != "reply_to_message"}}


def send(world: World, chat: dict, params: dict, **fields: Any) -> dict:
    """Store a new message from the bot with `fields`, its keyboard and what it replies to."""
    markup = check_markup(params.get("reply_markup"))
    fields.update(reply_fields(world, chat, params))
    if markup is not None:
        fields["reply_markup"] = markup
    return world.store_message(chat, world.bot_user, **fields)


def caption_fields(params: dict) -> dict:
    """``caption`` and ``caption_entities`` of a media message, checked like Telegram."""
    if params.get("caption") in (None, ""):
        return {}
    caption, entities = format_text(
        params["caption"],
        params.get("parse_mode"),
        params.get("caption_entities"),
        limit=MAX_CAPTION,
        kind="caption",
    )
    fields: dict[str, Any] = {}
    if caption:
        fields["caption"] = caption
    if entities:
        fields["caption_entities"] = entities
    return fields


def text_fields(params: dict) -> tuple[str, list]:
    """A message text as Telegram shows it, with its entities, checked like Telegram."""
    return format_text(
        params["text"],
        params.get("parse_mode"),
        params.get("entities"),
        limit=MAX_TEXT,
        kind="text",
    )


def replace_message(world: World, message: dict, **changes: Any) -> dict:
    """The edited message: `changes` applied (None or [] removes a field), edit_date set."""
    new = dict(message)
    for key, value in changes.items():
        if value in (None, []):
            new.pop(key, None)
        else:
            new[key] = value
    new["edit_date"] = int(time.time())
    world.messages[new["chat"]["id"]][new["message_id"]] = new
    return new


def not_modified() -> Exception:
    return bad(NOT_MODIFIED[len("Bad Request: ") :])


class MessageMethods(MethodGroup):
    @api_method("sendMessage")
    def send_message(self, params: dict, files: dict) -> dict:
        chat = self.world.chat_for_send(params)
        if params.get("text") in (None, ""):
            raise bad("message text is empty")
        text, entities = text_fields(params)
        fields: dict[str, Any] = {"text": text}
        if entities:
            fields["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            fields["link_preview_options"] = params["link_preview_options"]
        return send(self.world, chat, params, **fields)

    @api_method("editMessageText")
    def edit_message_text(self, params: dict, files: dict) -> dict:
        message = self.world.bot_message(params)
        if params.get("text") in (None, ""):
            raise bad("text must be non-empty")
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        text, entities = text_fields(params)
        markup = check_markup(params.get("reply_markup"), inline_only=True)
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise not_modified()
        return replace_message(
            self.world, message, text=text, entities=entities, reply_markup=markup
        )

    @api_method("editMessageCaption")
    def edit_message_caption(self, params: dict, files: dict) -> dict:
        message = self.world.bot_message(params)
        if "document" not in message and "photo" not in message:
            raise bad("there is no caption in the message to edit")
        fields = caption_fields(params)
        markup = check_markup(params.get("reply_markup"), inline_only=True)
        if (
            fields.get("caption") == message.get("caption")
            and fields.get("caption_entities", []) == message.get("caption_entities", [])
            and markup == message.get("reply_markup")
        ):
            raise not_modified()
        return replace_message(
            self.world,
            message,
            caption=fields.get("caption"),
            caption_entities=fields.get("caption_entities"),
            reply_markup=markup,
        )

    @api_method("editMessageReplyMarkup")
    def edit_message_reply_markup(self, params: dict, files: dict) -> dict:
        message = self.world.bot_message(params)
        markup = check_markup(params.get("reply_markup"), inline_only=True)
        if markup == message.get("reply_markup"):
            raise not_modified()
        return replace_message(self.world, message, reply_markup=markup)

    @api_method("deleteMessage")
    def delete_message(self, params: dict, files: dict) -> bool:
        chat = self.world.chat_for_send(params)
        message_id = as_int(params.get("message_id"), "message identifier")
        if self.world.messages.get(chat["id"], {}).pop(message_id, None) is None:
            raise bad("message to delete not found")
        return True

    @api_method("deleteMessages")
    def delete_messages(self, params: dict, files: dict) -> bool:
        chat = self.world.chat_for_send(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise bad("message identifiers are not specified")
        if len(ids) > MAX_DELETE_MESSAGES:
            raise bad("too many message identifiers specified")
        for message_id in ids:
            self.world.messages.get(chat["id"], {}).pop(message_id, None)
        return True

    @api_method("setMessageReaction")
    def set_message_reaction(self, params: dict, files: dict) -> bool:
        chat = self.world.chat_for_send(params)
        message_id = as_int(params.get("message_id"), "message identifier")
        if self.world.message(chat["id"], message_id) is None:
            raise bad("MESSAGE_ID_INVALID")
        reaction = params.get("reaction")
        if isinstance(reaction, list) and len(reaction) > MAX_BOT_REACTIONS:
            raise bad("REACTIONS_TOO_MANY")
        return True

    @api_method("sendChatAction")
    def send_chat_action(self, params: dict, files: dict) -> bool:
        self.world.chat_for_send(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True
