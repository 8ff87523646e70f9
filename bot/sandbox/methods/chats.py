"""Chats and members: getChat, members and admins, join requests, restrict/ban, leaveChat."""

from __future__ import annotations

from ..protocol import as_int, bad, truthy
from ..state import Group
from .base import MethodGroup, api_method

__all__ = ["ADMIN_RIGHTS", "PERMISSION_FIELDS", "ChatMethods"]

ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}
PERMISSION_FIELDS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)
_ACCEPTED_GIFT_TYPES = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}


class ChatMethods(MethodGroup):
    @api_method("getChat")
    def get_chat(self, params: dict, files: dict) -> dict:
        chat = self.world.chat_for_send(params)
        info = dict(chat)
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": dict(_ACCEPTED_GIFT_TYPES),
            }
        )
        return info

    def member(self, group: Group | None, chat: dict, user_id: int) -> dict:
        """The ChatMember object of `user_id` in `chat` (`group` None: a private chat)."""
        bot_id = self.world.bot_user["id"]
        user = self.world.user(user_id)
        if group is None:  # private chat
            if user_id not in (chat["id"], bot_id):
                raise bad("user not found")
            return {"status": "member", "user": user}
        if user_id == bot_id:
            if group.bot_left:
                return {"status": "left", "user": user}
            if group.bot_is_admin or user_id in group.admins:
                return {"status": "administrator", "user": user, **ADMIN_RIGHTS}
            return {"status": "member", "user": user}
        if user_id in group.banned:
            return {"status": "kicked", "user": user, "until_date": 0}
        if user_id in group.admins:
            return {"status": "administrator", "user": user, **ADMIN_RIGHTS}
        if user_id in group.restricted:
            perms = group.restricted[user_id]
            member = {"status": "restricted", "user": user, "is_member": user_id in group.members}
            member.update({k: bool(perms.get(k, False)) for k in PERMISSION_FIELDS})
            member["until_date"] = int(perms.get("until_date", 0) or 0)
            return member
        if user_id in group.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    @api_method("getChatMember")
    def get_chat_member(self, params: dict, files: dict) -> dict:
        chat = self.world.chat_for_send(params)
        user_id = as_int(params.get("user_id"), "user_id")
        return self.member(self.world.groups.get(chat["id"]), chat, user_id)

    @api_method("getChatAdministrators")
    def get_chat_administrators(self, params: dict, files: dict) -> list:
        chat = self.world.chat_for_send(params)
        group = self.world.groups.get(chat["id"])
        if group is None:
            raise bad("there are no administrators in the private chat")
        bot_id = self.world.bot_user["id"]
        ids = sorted(group.admins)
        if group.bot_is_admin and bot_id not in ids:
            ids.append(bot_id)
        return [self.member(group, chat, uid) for uid in ids]

    @api_method("approveChatJoinRequest")
    def approve_chat_join_request(self, params: dict, files: dict) -> bool:
        group = self.world.group_for_admin(params)
        user_id = as_int(params.get("user_id"), "user_id")
        if user_id not in group.join_requests:
            raise bad("HIDE_REQUESTER_MISSING")
        group.join_requests.discard(user_id)
        group.members.add(user_id)
        return True

    @api_method("declineChatJoinRequest")
    def decline_chat_join_request(self, params: dict, files: dict) -> bool:
        group = self.world.group_for_admin(params)
        user_id = as_int(params.get("user_id"), "user_id")
        if user_id not in group.join_requests:
            raise bad("HIDE_REQUESTER_MISSING")
        group.join_requests.discard(user_id)
        return True

    def _target_member(self, params: dict) -> tuple[Group, int]:
        group = self.world.group_for_admin(params)
        user_id = as_int(params.get("user_id"), "user_id")
        if user_id == self.world.bot_user["id"]:
            raise bad("can't restrict self")
        self.world.user(user_id)
        if user_id in group.admins:
            raise bad("user is an administrator of the chat")
        return group, user_id

    @api_method("restrictChatMember")
    def restrict_chat_member(self, params: dict, files: dict) -> bool:
        group, user_id = self._target_member(params)
        permissions = params.get("permissions")
        if not isinstance(permissions, dict):
            raise bad("can't parse permissions JSON object")
        if all(permissions.get(k, False) for k in PERMISSION_FIELDS[:14]):
            group.restricted.pop(user_id, None)
        else:
            group.restricted[user_id] = {**permissions, "until_date": params.get("until_date", 0)}
        return True

    @api_method("banChatMember")
    def ban_chat_member(self, params: dict, files: dict) -> bool:
        group, user_id = self._target_member(params)
        group.banned.add(user_id)
        group.members.discard(user_id)
        group.restricted.pop(user_id, None)
        return True

    @api_method("unbanChatMember")
    def unban_chat_member(self, params: dict, files: dict) -> bool:
        group, user_id = self._target_member(params)
        was_banned = user_id in group.banned
        group.banned.discard(user_id)
        if not was_banned and not truthy(params.get("only_if_banned")):
            group.members.discard(user_id)  # "guarantees the user is not a member"
        return True

    @api_method("leaveChat")
    def leave_chat(self, params: dict, files: dict) -> bool:
        chat = self.world.chat_for_send(params)
        group = self.world.groups.get(chat["id"])
        if group is None:
            raise bad("chat member status can't be changed in private chats")
        group.bot_left = True
        return True
