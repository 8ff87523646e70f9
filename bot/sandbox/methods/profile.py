"""The bot itself: getMe, logOut/close, commands, name and descriptions, menu button."""

from __future__ import annotations

import copy
import json
import re

from ..limits import (
    MAX_COMMAND_DESCRIPTION,
    MAX_COMMANDS,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_SHORT_DESCRIPTION,
)
from ..protocol import bad
from .base import MethodGroup, api_method

__all__ = ["ProfileMethods"]

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")


def _lang(params: dict) -> str:
    lang = params.get("language_code") or ""
    if lang and not _LANG_RE.match(lang):
        raise bad("invalid language code specified")
    return lang


def _scope_key(params: dict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), _lang(params)


class ProfileMethods(MethodGroup):
    @api_method("getMe")
    def get_me(self, params: dict, files: dict) -> dict:
        return dict(self.world.bot_user)

    @api_method("logOut")
    def log_out(self, params: dict, files: dict) -> bool:
        return True

    @api_method("close")
    def close(self, params: dict, files: dict) -> bool:
        return True

    # ------------------------------------------------------------- commands
    @api_method("setMyCommands")
    def set_my_commands(self, params: dict, files: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad("too many commands specified")
        clean = []
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if (
                not isinstance(description, str)
                or not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION
            ):
                raise bad("command description must be non-empty")
            clean.append({"command": command["command"], "description": description})
        key = _scope_key(params)
        if clean:
            self.world.commands[key] = clean
        else:
            self.world.commands.pop(key, None)
        return True

    @api_method("getMyCommands")
    def get_my_commands(self, params: dict, files: dict) -> list:
        return copy.deepcopy(self.world.commands.get(_scope_key(params), []))

    @api_method("deleteMyCommands")
    def delete_my_commands(self, params: dict, files: dict) -> bool:
        self.world.commands.pop(_scope_key(params), None)
        return True

    # ------------------------------------------------- name and descriptions
    def _set_text_setting(self, params: dict, field_name: str, limit: int) -> bool:
        value = params.get(field_name) or ""
        if len(value) > limit:
            raise bad(f"{field_name.replace('_', ' ')} is too long")
        key = (field_name, _lang(params))
        if value:
            self.world.descriptions[key] = value
        else:
            self.world.descriptions.pop(key, None)
        return True

    def _get_text_setting(self, params: dict, field_name: str) -> dict:
        return {field_name: self.world.descriptions.get((field_name, _lang(params)), "")}

    @api_method("setMyDescription")
    def set_my_description(self, params: dict, files: dict) -> bool:
        return self._set_text_setting(params, "description", MAX_DESCRIPTION)

    @api_method("getMyDescription")
    def get_my_description(self, params: dict, files: dict) -> dict:
        return self._get_text_setting(params, "description")

    @api_method("setMyShortDescription")
    def set_my_short_description(self, params: dict, files: dict) -> bool:
        return self._set_text_setting(params, "short_description", MAX_SHORT_DESCRIPTION)

    @api_method("getMyShortDescription")
    def get_my_short_description(self, params: dict, files: dict) -> dict:
        return self._get_text_setting(params, "short_description")

    @api_method("setMyName")
    def set_my_name(self, params: dict, files: dict) -> bool:
        return self._set_text_setting(params, "name", MAX_NAME)

    @api_method("getMyName")
    def get_my_name(self, params: dict, files: dict) -> dict:
        result = self._get_text_setting(params, "name")
        return {"name": result["name"] or self.world.bot_user["first_name"]}

    # ------------------------------------------------------------ menu button
    @api_method("setChatMenuButton")
    def set_chat_menu_button(self, params: dict, files: dict) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise bad("can't parse menu button JSON object")
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self.world.chat_for_send(params)["id"]
        self.world.menu_buttons[chat_id] = button
        return True

    @api_method("getChatMenuButton")
    def get_chat_menu_button(self, params: dict, files: dict) -> dict:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self.world.chat_for_send(params)["id"]
        buttons = self.world.menu_buttons
        return buttons.get(chat_id) or buttons.get(None) or {"type": "default"}
