"""A building's Telegram group: linking it, join requests, and /warn, /mute, /ban by reply."""

import json

import pytest

from bot.services.roles import Role
from bot.views.buttons import SignupInvited, unpack
from tests.support import ADMIN_ID, button_data, sign_up, tr

GROUP = -100777


@pytest.fixture
async def setup(harness, admin):
    api = harness.api
    services = harness.app.bot_data["services"]
    await harness.send(admin, "/start")
    await harness.send(admin, "/building add Maple Court")
    await harness.send(admin, "/building add Oak House")
    ana = api.make_user(1201, "Ana", username="ana")  # steward of Maple Court
    bo = api.make_user(1202, "Bo", username="bo")  # steward of Oak House
    rosa = api.make_user(2001, "Rosa", language_code="es", username="rosa")  # resident
    nia = api.make_user(2002, "Nia", username="nia")  # nobody
    for user in (ana, bo, rosa, nia):
        await harness.send(user, "/start")
    await services.roles.promote(ADMIN_ID, 1201, Role.STEWARD, 1)
    await services.roles.promote(ADMIN_ID, 1202, Role.STEWARD, 2)
    await sign_up(services, rosa, 1)
    await services.moderation.decide(ADMIN_ID, 2001, "approve")
    group = api.make_group(GROUP, "Maple Court neighbours")
    api.set_chat_admins(GROUP, [1201, 1202])
    [linked] = await harness.send(ana, "/linkgroup Maple Court", chat=group)
    assert "Maple Court" in linked["text"]
    return {"ana": ana, "bo": bo, "rosa": rosa, "nia": nia, "group": group}


def calls(harness, method):
    return [c for c in harness.api.calls if c.method.lower() == method.lower()]


async def test_only_group_admins_who_steward_the_building_can_link(harness, setup):
    group = setup["group"]
    [reply] = await harness.send(setup["nia"], "/linkgroup Maple Court", chat=group)
    assert reply["text"] == tr("en", "Sorry, only stewards and organisers can use that command.")
    [reply] = await harness.send(setup["bo"], "/linkgroup Maple Court", chat=group)
    assert reply["text"] == tr("en", "Only the stewards of this building can do that here.")
    other = harness.api.make_group(-100888, "No rights here", bot_is_admin=False)
    harness.api.set_chat_admins(-100888, [1201])
    [reply] = await harness.send(setup["ana"], "/linkgroup Maple Court", chat=other)
    assert "admin of this group first" in reply["text"]


async def test_join_requests_let_in_verified_residents_only(harness, setup):
    await harness.process(harness.api.request_join(setup["rosa"], setup["group"]))
    assert [c.params["user_id"] for c in calls(harness, "approveChatJoinRequest")] == [2001]
    await harness.process(harness.api.request_join(setup["nia"], setup["group"]))
    assert [c.params["user_id"] for c in calls(harness, "declineChatJoinRequest")] == [2002]
    invitation = harness.api.last_bot_message(2002)
    assert "Maple Court" in invitation["text"]
    join = tr("en", "🏠 Sign up for my building")
    data = button_data(invitation, join)
    invited = unpack(data)  # signed for Nia and this building only, as the codec writes it
    assert invited == SignupInvited(1, invited.signature) and data == invited.pack()
    # the same data pressed by someone else (forged) grants nothing
    await harness.process(harness.api.press_button(setup["bo"], 1, data, chat_id=1202))
    services = harness.app.bot_data["services"]
    assert await services.signup.current(1202) is None
    await harness.press_label(setup["nia"], invitation, join)
    assert (await services.signup.current(2002)).building_name == "Maple Court"


async def test_warn_three_times_mutes_for_a_day(harness, setup):
    group, ana, nia = setup["group"], setup["ana"], setup["nia"]
    for count in (1, 2, 3):
        message = harness.api.send_message(nia, "buy my stuff", chat=group)
        [reply] = await harness.send(ana, "/warn spam", chat=group, reply_to=message)
        assert (
            tr(
                "en",
                "⚠️ {name} has been warned ({count}/{limit}).",
                name="Nia",
                count=count,
                limit=3,
            )
            in reply["text"]
        )
    [restrict] = calls(harness, "restrictChatMember")
    assert restrict.params["user_id"] == 2002
    # Nia is told privately, in her language, each time.
    assert "spam" in harness.api.last_bot_message(2002)["text"]
    [audit] = await harness.send(ana, "/audit 10")
    assert "spam" in audit["text"]
    # Nia can see the warnings in /mydata, and /forget erases them.
    summary, document = await harness.send(nia, "/mydata")
    assert "3" in summary["text"]  # a count in the message, each warning in the file
    data = json.loads(harness.api.files()[document["document"]["file_id"]][1])
    assert [w["reason"] for w in data["group_warnings"]] == ["spam"] * 3
    [confirm] = await harness.send(nia, "/forget")
    await harness.press_label(nia, confirm, tr("en", "🗑 Yes, erase my data"))
    assert await harness.app.bot_data["services"].groups.warnings_of(2002) == []


async def test_mute_and_ban_by_reply(harness, setup):
    group, ana, rosa = setup["group"], setup["ana"], setup["rosa"]
    message = harness.api.send_message(rosa, "hola", chat=group)
    [reply] = await harness.send(ana, "/mute 90x", chat=group, reply_to=message)
    assert reply["text"] == tr(
        "en",
        "Please give a duration like 30m (30 minutes), 2h (2 hours), 1d (1 day) or 1w "
        "(1 week), at most a year.",
    )
    [reply] = await harness.send(ana, "/mute 2h", chat=group, reply_to=message)
    assert "/mute 2h" in reply["text"]  # a reason is needed
    [reply] = await harness.send(ana, "/mute 2h shouting", chat=group, reply_to=message)
    assert "Rosa" in reply["text"]
    assert "shouting" in harness.api.last_bot_message(2001)["text"]
    assert calls(harness, "restrictChatMember")[-1].params["user_id"] == 2001
    [reply] = await harness.send(ana, "/ban", chat=group, reply_to=message)
    assert reply["text"] == tr("en", "Please add a reason, for example: /ban spamming the group")
    [reply] = await harness.send(ana, "/ban threats", chat=group, reply_to=message)
    assert calls(harness, "banChatMember")[-1].params["user_id"] == 2001
    services = harness.app.bot_data["services"]
    assert (await services.signup.resident(2001)).status == "banned"
    assert "threats" in harness.api.last_bot_message(2001)["text"]  # told, in Spanish


async def test_group_commands_check_everything_each_time(harness, setup):
    group, ana, bo, nia, rosa = (setup[k] for k in ("group", "ana", "bo", "nia", "rosa"))
    message = harness.api.send_message(rosa, "hola", chat=group)
    # A steward of another building, even a group admin, cannot act here.
    [reply] = await harness.send(bo, "/warn rude", chat=group, reply_to=message)
    assert reply["text"] == tr("en", "Only the stewards of this building can do that here.")
    # A resident cannot (the command catalogue's role, checked first).
    [reply] = await harness.send(nia, "/mute 1h rude", chat=group, reply_to=message)
    assert reply["text"] == tr("en", "Sorry, only stewards and organisers can use that command.")
    # Ana stops being a Telegram admin of the group: checked fresh, refused at once.
    harness.api.set_chat_admins(GROUP, [1202])
    [reply] = await harness.send(ana, "/warn rude", chat=group, reply_to=message)
    assert reply["text"] == tr("en", "Only an admin of this group can do that.")
    harness.api.set_chat_admins(GROUP, [1201, 1202])
    # Admins of the group cannot be targeted; replying is required.
    own = harness.api.send_message(bo, "hi", chat=group)
    [reply] = await harness.send(ana, "/warn rude", chat=group, reply_to=own)
    assert reply["text"] == tr("en", "I can't do that to an admin of this group.")
    [reply] = await harness.send(ana, "/warn rude", chat=group)
    assert reply["text"] == tr("en", "Reply to a message of the person, then send the command.")
    [reply] = await harness.send(ana, "/warn", chat=group, reply_to=message)
    assert reply["text"] == tr(
        "en", "Please add a reason, for example: /warn please keep it friendly"
    )
    assert calls(harness, "restrictChatMember") == []
    # In a private chat these commands explain where they work.
    [reply] = await harness.send(ana, "/warn rude")
    assert reply["text"] == tr("en", "Use this in your building's group, as a reply to a message.")


async def test_a_steward_cannot_warn_mute_or_remove_a_higher_role_in_the_group(harness, setup):
    group, ana = setup["group"], setup["ana"]
    olu = harness.api.make_user(1300, "Olu", username="olu")  # an organiser, not a group admin
    await harness.send(olu, "/start")
    services = harness.app.bot_data["services"]
    await services.roles.promote(ADMIN_ID, 1300, Role.ORGANISER)
    message = harness.api.send_message(olu, "hello", chat=group)
    refused = tr("en", "You can't do that to someone whose role is the same as yours or higher.")
    for command in ("/warn rude", "/mute 2h rude", "/ban rude"):
        [reply] = await harness.send(ana, command, chat=group, reply_to=message)
        assert reply["text"] == refused, command
    assert calls(harness, "restrictChatMember") == []
    assert calls(harness, "banChatMember") == []
    assert await services.groups.warnings_of(1300) == []
    [audit] = await harness.send(ana, "/audit 10")
    assert "Olu" not in audit["text"]  # nothing was recorded against them
