"""Roles and steward moderation: the permission matrix, buttons included, and notices."""

from dataclasses import dataclass

import pytest

from bot.services.roles import Role
from bot.views.buttons import Approve, Button, Reject, RejectReasons
from tests.support import ADMIN_ID, buttons, sign_up, tr

REFUSAL = "Sorry, only stewards and organisers can use that command."
ORGANISERS_ONLY = "Sorry, only organisers can use that command."
OTHER_BUILDING = "That resident lives in a building you don't represent."


@dataclass
class Community:
    admin: dict
    organiser: dict
    steward_a: dict
    steward_b: dict
    resident: dict  # pending in building A, Spanish phone
    neighbour: dict  # signed up nowhere


@pytest.fixture
async def community(harness, admin) -> Community:
    services = harness.app.bot_data["services"]
    api = harness.api
    await harness.send(admin, "/building add Maple Court")
    await harness.send(admin, "/building add Oak House")
    people = {
        "organiser": api.make_user(1100, "Olu", username="olu"),
        "steward_a": api.make_user(1201, "Ana", username="ana"),
        "steward_b": api.make_user(1202, "Bo", username="bo"),
        "resident": api.make_user(2001, "Rosa", language_code="es", username="rosa"),
        "neighbour": api.make_user(2002, "Nia", username="nia"),
    }
    for user in [admin, *people.values()]:
        await harness.send(user, "/start")
    await services.roles.promote(ADMIN_ID, 1100, Role.ORGANISER)
    await services.roles.promote(1100, 1201, Role.STEWARD, 1)
    await services.roles.promote(1100, 1202, Role.STEWARD, 2)
    await sign_up(services, people["resident"], 1)
    return Community(admin=admin, **people)


async def status_of(harness, user_id: int) -> str | None:
    resident = await harness.app.bot_data["services"].signup.resident(user_id)
    return None if resident is None else resident.status


@pytest.mark.parametrize(
    "text",
    [
        "/pending",
        "/approve @rosa",
        "/reject @rosa no",
        "/ban @rosa spam",
        "/unban @rosa",
        "/residents",
        "/audit",
        "/promote @nia steward Maple Court",
        "/demote @ana",
    ],
)
async def test_residents_are_refused_every_steward_command(harness, community, text):
    [reply] = await harness.send(community.neighbour, text)
    organisers_only = text.startswith(("/promote", "/demote"))
    assert reply["text"] == tr("en", ORGANISERS_ONLY if organisers_only else REFUSAL)
    assert await status_of(harness, 2001) == "pending"
    assert await harness.app.bot_data["services"].roles.role_of(1201) == Role.STEWARD


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("steward_a", True), ("steward_b", False), ("organiser", True), ("admin", True)],
)
async def test_approve_needs_the_residents_building(harness, community, who, allowed):
    actor = getattr(community, who)
    [reply] = await harness.send(actor, "/approve @rosa")
    if allowed:
        assert reply["text"] == tr(
            "en", "Done: {name} ({building}) is approved.", name="Rosa", building="Maple Court"
        )
        assert await status_of(harness, 2001) == "approved"
        # Rosa is told, in Spanish.
        told = harness.api.last_bot_message(2001)
        assert told["text"].startswith(
            tr(
                "es",
                "Good news: your sign-up for {building} is "
                "approved. Welcome! Send /help to see what you can do.",
                building="Maple Court",
            )[:20]
        )
    else:
        assert reply["text"] == tr("en", OTHER_BUILDING)
        assert await status_of(harness, 2001) == "pending"


async def test_pending_queue_buttons_and_reasons(harness, community):
    _header, card = await harness.send(community.steward_a, "/pending")
    assert "Rosa" in card["text"]
    assert [d for _t, d in buttons(card)] == [Approve(2001).pack(), RejectReasons(2001).pack()]
    # Steward B only sees their own building's queue.
    [empty] = await harness.send(community.steward_b, "/pending")
    assert empty["text"] == tr("en", "Nobody is waiting for approval. 🎉")
    # Steward B replaying A's button (forged) is refused and nothing changes.
    sent, [answer] = await harness.press(community.steward_b, card, Approve(2001).pack())
    assert sent == []
    assert answer.params["text"] == tr("en", OTHER_BUILDING)
    assert await status_of(harness, 2001) == "pending"
    # A resident pressing it gets the polite refusal.
    sent, [answer] = await harness.press(community.neighbour, card, Approve(2001).pack())
    assert answer.params["text"] == tr("en", REFUSAL)
    # Reject with a reason button; Rosa hears the reason in Spanish.
    [reasons], _a = await harness.press_label(community.steward_a, card, tr("en", "❌ Reject"))
    assert [d for _t, d in buttons(reasons)][:3] == [
        Reject(2001, "notres").pack(),
        Reject(2001, "dup").pack(),
        Reject(2001, "unit").pack(),
    ]
    [done], _a = await harness.press_label(
        community.steward_a, reasons, tr("en", "Signed up twice")
    )
    assert "Rosa" in done["text"]
    assert await status_of(harness, 2001) == "rejected"
    assert tr("es", "Signed up twice") in harness.api.last_bot_message(2001)["text"]
    # raw data on purpose: no button of ours can carry these (an unknown reason, a word for a
    # number, missing or extra parts, an unknown tag)
    for forged in ("mod:rj:2001:other", "mod:ok:abc", "mod:ok", "mod:zz:2001", "mod:ok:1:2:3"):
        sent, _answers = await harness.press(community.steward_a, card, forged)
        assert sent == []


async def test_demoted_steward_pressing_an_old_button_changes_nothing(harness, community):
    _header, card = await harness.send(community.steward_a, "/pending")
    [reply] = await harness.send(community.organiser, "/demote @ana")
    assert reply["text"] == tr("en", "Done: they are a resident again, and they have been told.")
    sent, [answer] = await harness.press_label(community.steward_a, card, tr("en", "✅ Approve"))
    assert sent == []
    assert answer.params["text"] == tr("en", REFUSAL)
    assert await status_of(harness, 2001) == "pending"


async def test_harmful_actions_need_a_reason_and_are_audited(harness, community):
    [reply] = await harness.send(community.steward_a, "/ban @rosa")
    assert reply["text"] == tr(
        "en", "Please add a reason after the name, for example: /ban @sam spamming the group"
    )
    [reply] = await harness.send(community.steward_a, "/ban @rosa spamming the group")
    assert await status_of(harness, 2001) == "banned"
    [reply] = await harness.send(community.steward_a, "/unban 2001")
    assert await status_of(harness, 2001) == "approved"
    [audit] = await harness.send(community.steward_a, "/audit 5")
    assert "spamming the group" in audit["text"]
    assert "@ana (1201)" in audit["text"]  # who, by name
    assert "Rosa (2001)" in audit["text"]  # whom, by name
    assert (
        tr(
            "en",
            "{actor} blocked {subject} in {building}.",
            actor="@ana (1201)",
            subject="Rosa (2001)",
            building="Maple Court",
        )
        in audit["text"]
    )
    # Steward B's audit shows nothing of building A.
    [audit_b] = await harness.send(community.steward_b, "/audit")
    assert "spamming" not in audit_b["text"]


async def test_nobody_acts_on_themselves_or_a_higher_role(harness, community):
    services = harness.app.bot_data["services"]
    await sign_up(services, community.steward_a, 1, unit="1A")
    [reply] = await harness.send(community.steward_a, "/ban @ana spam")
    assert reply["text"] == tr("en", "You can't do that to yourself.")
    await sign_up(services, community.organiser, 1, unit="2A")
    [reply] = await harness.send(community.steward_a, "/ban @olu spam")
    assert reply["text"] == tr(
        "en", "You can't do that to someone whose role is the same as yours or higher."
    )
    [reply] = await harness.send(community.organiser, "/demote @olu")
    assert reply["text"] == tr("en", "You can't do that to yourself.")
    [reply] = await harness.send(community.organiser, "/promote @nia organiser")
    assert reply["text"] == tr("en", "Only the bot's admins can make someone an organiser.")
    [reply] = await harness.send(community.organiser, f"/demote {ADMIN_ID}")
    assert "same as yours or higher" in reply["text"]


async def test_naming_people_by_reply_username_or_id(harness, community):
    message = harness.api.send_message(community.resident, "hola")
    [reply] = await harness.send(community.steward_a, "/approve", reply_to=message)
    assert await status_of(harness, 2001) == "approved"
    [reply] = await harness.send(community.steward_a, "/approve @nobody")
    assert reply["text"] == tr(
        "en", "I don't know that person yet: they need to start a chat with me first."
    )
    [reply] = await harness.send(community.steward_a, "/approve")
    assert "@username" in reply["text"]
    [reply] = await harness.send(community.steward_a, "/approve @nia")
    assert reply["text"] == tr("en", "That person has not signed up for a building.")


async def test_promote_tells_them_and_gives_them_the_tools(harness, community):
    [reply] = await harness.send(community.organiser, "/promote @nia steward Oak House")
    assert reply["text"] == tr("en", "Done: their new role is saved, and they have been told.")
    told = harness.api.last_bot_message(2002)
    assert "Oak House" in told["text"]
    [help_reply] = await harness.send(community.neighbour, "/help")
    assert "/pending" in help_reply["text"]
    assert "/promote" not in help_reply["text"]
    [residents] = await harness.send(community.neighbour, "/residents")
    assert residents["text"] == tr("en", "No residents yet.")


async def test_residents_list_is_scoped(harness, community):
    [listing] = await harness.send(community.steward_a, "/residents")
    assert "Rosa" in listing["text"]
    [listing] = await harness.send(community.steward_b, "/residents")
    assert "Rosa" not in listing["text"]
    [refused] = await harness.send(community.steward_b, "/residents Maple Court")
    assert refused["text"] == tr("en", OTHER_BUILDING)


ACTIONS = {
    # name: (how the actor does it, status before, status after)
    "approve": ("/approve @rosa", "pending", "approved"),
    "reject": ("/reject @rosa wrong building", "pending", "rejected"),
    "ban": ("/ban @rosa spam", "approved", "banned"),
    "unban": ("/unban @rosa", "banned", "approved"),
    "approve button": (Approve(2001), "pending", "approved"),
    "reject button": (Reject(2001, "dup"), "pending", "rejected"),
}
ROLES = {
    "neighbour": REFUSAL,
    "steward_b": OTHER_BUILDING,
    "steward_a": None,
    "organiser": None,
    "admin": None,
}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("action", list(ACTIONS))
async def test_permission_matrix(harness, community, role, action):
    """Every role x every steward command and button: only those who look after the
    resident's building change anything."""
    how, before, after = ACTIONS[action]
    await harness.app.bot_data["services"].db.execute(
        "UPDATE residents SET status = ? WHERE user_id = 2001", (before,)
    )
    actor = getattr(community, role)
    refusal = ROLES[role]
    if isinstance(how, Button):  # its data, pressed on the admin's /pending card by each role
        _header, card = await harness.send(community.admin, "/pending")
        _sent, [answer] = await harness.press(actor, card, how.pack())
        if refusal:
            assert answer.params["text"] == tr("en", refusal)
    else:
        [reply] = await harness.send(actor, how)
        if refusal:
            assert reply["text"] == tr("en", refusal)
    assert await status_of(harness, 2001) == (before if refusal else after)


@pytest.mark.parametrize(
    ("first_name", "shown"),
    [
        ("<b>Boss</b> & <script>x</script>", "<b>Boss</b> & <script>x</script>"),
        ("مرحبا\u202eevil", "مرحبا evil"),  # direction overrides are dropped
        ("A" * 300, "A" * 40),  # Telegram allows long names; we keep 40 characters
    ],
)
async def test_hostile_display_names_render_safely_everywhere(
    harness, community, first_name, shown
):
    services = harness.app.bot_data["services"]
    user = harness.api.make_user(2500, first_name, username="hostile")
    [welcome] = await harness.send(user, "/start")
    assert first_name.replace("\u202e", "") in welcome["text"].replace("\u202e", "")
    await services.users.remember(2500, "hostile")
    await services.signup.begin(2500, 1, language_confirmed=True)
    await services.signup.consent(2500, agreed=True)
    await services.signup.set_name(2500, first_name[:40])
    await services.signup.set_unit(2500, "5")
    await services.signup.set_tenure(2500, "renter")
    await services.signup.finish(2500, "unknown")
    views = [
        (await harness.send(community.steward_a, "/pending"))[-1],
        *await harness.send(community.steward_a, "/residents"),
        *await harness.send(community.steward_a, "/approve @hostile"),
        (await harness.send(user, "/mydata"))[0],
        *await harness.send(user, "/profile"),
    ]
    for view in views:
        assert shown in view["text"], view["text"]
    group = harness.api.make_group(-100999, "Maple group")
    harness.api.set_chat_admins(-100999, [1201])
    await harness.send(community.steward_a, "/linkgroup Maple Court", chat=group)
    message = harness.api.send_message(user, "hi", chat=group)
    [warned] = await harness.send(community.steward_a, "/warn rude", chat=group, reply_to=message)
    assert first_name.replace("\u202e", "")[:40] in warned["text"].replace("\u202e", "")


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("/promote @nia steward Maple Court", ORGANISERS_ONLY),
        ("/building list", ORGANISERS_ONLY),
        ("/status", "Sorry, only the bot's admins can use that command."),
    ],
)
async def test_a_steward_is_told_who_may_use_a_command(harness, community, text, refusal):
    [reply] = await harness.send(community.steward_a, text)
    assert reply["text"] == tr("en", refusal)
