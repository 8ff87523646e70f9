"""The test helpers that press buttons by their label find exactly the button a person sees."""

import re

import pytest

from bot.views.buttons import Approve, ForgetCancel, RejectReasons
from tests.support import button_data

MESSAGE = {
    "message_id": 7,
    "reply_markup": {
        "inline_keyboard": [
            [
                {"text": "✅ Approve", "callback_data": Approve(2001).pack()},
                {"text": "❌ Reject", "callback_data": RejectReasons(2001).pack()},
            ],
            [{"text": "Cancel", "callback_data": ForgetCancel().pack()}],
            [{"text": "Open a private chat", "url": "https://t.me/CommonGroundBot"}],
        ]
    },
}


def test_a_label_finds_its_buttons_data():
    assert button_data(MESSAGE, "❌ Reject") == RejectReasons(2001).pack()
    assert button_data(MESSAGE, "Cancel") == ForgetCancel().pack()
    assert button_data(MESSAGE, "Approve", contains=True) == Approve(2001).pack()


def test_a_label_must_be_the_whole_text_unless_asked():
    with pytest.raises(AssertionError, match=r"no button reading 'Approve' in message 7"):
        button_data(MESSAGE, "Approve")


def test_a_missing_button_fails_naming_the_buttons_there_are():
    with pytest.raises(AssertionError, match=r"its buttons are \['✅ Approve', '❌ Reject', "):
        button_data(MESSAGE, "🗑 Yes, erase my data")
    with pytest.raises(AssertionError, match="no button"):
        button_data({"message_id": 8, "text": "no keyboard"}, "Cancel")


def test_a_label_that_matches_several_buttons_fails():
    with pytest.raises(AssertionError, match="4 buttons containing 'e'"):
        button_data(MESSAGE, "e", contains=True)


def test_a_link_button_cannot_be_pressed_for_data():
    with pytest.raises(AssertionError, match=re.escape("opens 'https://t.me/CommonGroundBot'")):
        button_data(MESSAGE, "Open a private chat")
