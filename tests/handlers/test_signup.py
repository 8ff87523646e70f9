"""Signing up on a phone: invite link -> language -> consent -> name -> unit -> tenure."""

import json
import re

import pytest

from bot.handlers.notify import send_signup_reminders
from bot.services.roles import Role
from bot.views.buttons import (
    SignupAfford,
    SignupAgree,
    SignupBack,
    SignupBuilding,
    SignupDecline,
    SignupJoin,
    SignupLanguage,
    SignupLanguages,
    SignupTenure,
    SignupUseName,
)
from tests.support import buttons, language_label, tr

LINK = re.compile(r"start=([A-Za-z0-9_-]{12})")
CONSENT = [SignupAgree().pack(), SignupDecline().pack(), SignupBack().pack()]
USE_AMINA = tr("en", "Use “{name}”", name="Amina")  # the name step's button, for Amina


@pytest.fixture
async def invite(harness, admin):
    await harness.send(admin, "/building add Maple Court")
    [photo, _poster] = await harness.send(admin, "/invite 1")
    return LINK.search(photo["caption"]).group(1)


def data_of(message) -> list[str]:
    return [d for _t, d in buttons(message)]


async def test_invite_to_pending_in_spanish(harness, invite):
    maria = harness.api.make_user(3001, "María", language_code="es-MX")
    [welcome] = await harness.send(maria, f"/start {invite}")
    assert (
        tr("es", "You are invited to join <b>{building}</b>.", building="Maple Court")
        .replace("<b>", "")
        .replace("</b>", "")
        in welcome["text"]
    )
    assert data_of(welcome) == [SignupLanguage("es").pack(), SignupLanguages().pack()]

    [consent], _a = await harness.press_label(maria, welcome, language_label("es"))
    assert (
        tr("es", "<b>Before we start</b>").replace("<b>", "").replace("</b>", "") in consent["text"]
    )
    assert data_of(consent) == CONSENT
    [name_step], _a = await harness.press_label(maria, consent, tr("es", "✅ I agree"))
    assert data_of(name_step) == [SignupUseName().pack(), SignupBack().pack()]
    [unit_step], _a = await harness.press_label(
        maria, name_step, tr("es", "Use “{name}”", name="María")
    )
    assert unit_step["text"] == tr(
        "es", "Which unit or apartment do you live in? Type it, for example 4B or 12-03."
    )
    [bad] = await harness.send(maria, "<b>4B</b>")
    assert bad["text"] == tr(
        "es",
        "Please type your unit in up to {max} letters or numbers (spaces, - and / are fine).",
        max=12,
    )
    [tenure_step] = await harness.send(maria, "4b")
    assert data_of(tenure_step)[:5] == [
        SignupTenure(t).pack() for t in ("renter", "owner", "other", "undisclosed", "skip")
    ]
    [afford_step], _a = await harness.press_label(maria, tenure_step, tr("es", "🔑 I rent"))
    assert data_of(afford_step)[:5] == [
        SignupAfford(a).pack() for a in ("assisted", "market", "unknown", "undisclosed", "skip")
    ]
    [done], _a = await harness.press_label(
        maria, afford_step, tr("es", "🤝 Assisted or subsidised")
    )
    assert "María" in done["text"]
    assert "Maple Court" in done["text"]

    resident = await harness.app.bot_data["services"].signup.resident(3001)
    assert (resident.unit, resident.tenure, resident.status) == ("4B", "renter", "pending")
    assert resident.affordability == "assisted"
    assert (await harness.app.bot_data["services"].invites.check(invite)).uses == 1
    # Old buttons from finished steps do nothing.
    sent, [answer] = await harness.press_label(maria, consent, tr("es", "✅ I agree"))
    assert sent == []
    assert answer.params["text"] == tr(
        "es", "This button no longer works. Send /help to start again."
    )


async def test_back_and_resume(harness, invite, resident):
    [welcome] = await harness.send(resident, f"/start {invite}")
    [consent], _a = await harness.press_label(resident, welcome, language_label("en"))
    [name_step], _a = await harness.press_label(resident, consent, tr("en", "✅ I agree"))
    [consent_again], _a = await harness.press_label(resident, name_step, tr("en", "⬅️ Back"))
    assert data_of(consent_again) == CONSENT
    [name_step], _a = await harness.press_label(resident, consent_again, tr("en", "✅ I agree"))
    # She leaves, and comes back later with a plain /start.
    [resumed] = await harness.send(resident, "/start")
    assert resumed["text"].startswith(tr("en", "Welcome back! Let's finish your sign-up."))
    assert data_of(resumed) == [SignupUseName().pack(), SignupBack().pack()]
    [_unit_step] = await harness.send(resident, "Amina <script>")
    [tenure_step] = await harness.send(resident, "12-03")
    [afford_step], _a = await harness.press_label(resident, tenure_step, tr("en", "Skip ▶️"))
    [done], _a = await harness.press_label(resident, afford_step, tr("en", "Prefer not to say"))
    assert "Amina <script>" in done["text"]  # a typed name is shown literally


async def test_no_thanks_keeps_only_the_refusal(harness, invite, resident):
    [welcome] = await harness.send(resident, f"/start {invite}")
    [consent], _a = await harness.press_label(resident, welcome, language_label("en"))
    [bye], _a = await harness.press_label(resident, consent, tr("en", "No thanks"))
    assert "said no" in bye["text"]
    _summary, document = await harness.send(resident, "/mydata")
    data = json.loads(harness.api.files()[document["document"]["file_id"]][1])
    assert data["resident"] is None
    assert [r["decision"] for r in data["consent"]] == ["refused"]
    assert "language" not in data


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("revoke", "This invite link no longer works. Please ask your steward for a new one."),
        ("unknown", "I don't recognise this invite link. Please check it, or ask your steward."),
    ],
)
async def test_bad_invites_get_a_clear_answer(harness, admin, invite, resident, command, expected):
    code = invite
    if command == "revoke":
        await harness.send(admin, f"/invite revoke {invite}")
    else:
        code = "NOT-A-REAL-CODE-1234"
    [reply] = await harness.send(resident, f"/start {code}")
    assert reply["text"] == tr("en", expected)


async def test_expired_invite(harness, admin, invite, resident):
    await harness.app.bot_data["services"].db.execute(
        "UPDATE invites SET expires_at = '2020-01-01T00:00:00Z'"
    )
    [reply] = await harness.send(resident, f"/start {invite}")
    assert reply["text"] == tr(
        "en", "This invite link has expired. Please ask your steward for a new one."
    )


async def test_sign_up_from_a_plain_start(harness, admin, invite, resident):
    [welcome] = await harness.send(resident, "/start")
    [done], _a = await harness.press_label(resident, welcome, language_label("en"))
    assert data_of(done) == [SignupJoin().pack()]
    # Buildings are hidden from strangers until an organiser lists them.
    join = tr("en", "🏠 Sign up for my building")
    [hidden], _a = await harness.press_label(resident, done, join)
    assert buttons(hidden) == [] and "Maple Court" not in hidden["text"]
    # forged: the picker shows no building to press
    sent, [_answer] = await harness.press(resident, hidden, SignupBuilding(1).pack())
    assert sent == [] and await harness.app.bot_data["services"].signup.current(2000) is None
    await harness.send(admin, "/building listed 1 on")
    [picker], _a = await harness.press_label(resident, done, join)
    assert buttons(picker) == [("Maple Court", SignupBuilding(1).pack())]
    [consent], _a = await harness.press_label(resident, picker, "Maple Court")
    assert data_of(consent) == CONSENT
    # forged: a well-formed button of a building that does not exist
    sent, [_answer] = await harness.press(resident, picker, SignupBuilding(99).pack())
    assert sent == []


async def test_signed_up_residents_are_welcomed_back_and_can_forget(harness, invite, resident):
    [welcome] = await harness.send(resident, f"/start {invite}")
    [consent], _a = await harness.press_label(resident, welcome, language_label("en"))
    [name_step], _a = await harness.press_label(resident, consent, tr("en", "✅ I agree"))
    [_unit_step], _a = await harness.press_label(resident, name_step, USE_AMINA)
    [tenure_step] = await harness.send(resident, "7")
    [afford_step], _a = await harness.press_label(
        resident, tenure_step, tr("en", "🏠 I own my home")
    )
    await harness.press_label(resident, afford_step, tr("en", "🏢 Market-rate"))
    [again] = await harness.send(resident, f"/start {invite}")
    assert again["text"] == tr(
        "en", "You are already signed up for {building}. See /mydata.", building="Maple Court"
    )
    [back] = await harness.send(resident, "/start")
    assert "Maple Court" in back["text"]
    summary, _doc = await harness.send(resident, "/mydata")
    assert tr("en", "Unit: {unit}", unit="7") in summary["text"]
    [confirm] = await harness.send(resident, "/forget")
    await harness.press_label(resident, confirm, tr("en", "🗑 Yes, erase my data"))
    assert await harness.app.bot_data["services"].signup.resident(resident["id"]) is None
    [nothing] = await harness.send(resident, "/mydata")
    assert nothing["text"] == tr(
        "en", "We don't store anything about you. Send /start if you want to begin."
    )


async def test_the_buildings_stewards_hear_of_a_new_sign_up_in_their_language(
    harness, admin, invite, resident
):
    services = harness.app.bot_data["services"]
    steward = harness.api.make_user(1201, "Thu", language_code="vi")
    await harness.send(steward, "/start")
    await services.roles.promote(admin["id"], 1201, Role.STEWARD, 1)
    [welcome] = await harness.send(resident, f"/start {invite}")
    [consent], _a = await harness.press_label(resident, welcome, language_label("en"))
    [name_step], _a = await harness.press_label(resident, consent, tr("en", "✅ I agree"))
    await harness.press_label(resident, name_step, USE_AMINA)
    [tenure_step] = await harness.send(resident, "9C")
    [afford_step], _a = await harness.press_label(resident, tenure_step, tr("en", "Skip ▶️"))
    await harness.press_label(resident, afford_step, tr("en", "🏢 Market-rate"))
    notice = harness.api.last_bot_message(1201)
    assert notice["text"] == tr(
        "vi",
        "🆕 New sign-up waiting: {name}, unit {unit}, {building}. See /pending.",
        name="Amina",
        unit="9C",
        building="Maple Court",
    )


async def test_unfinished_sign_ups_get_one_reminder_in_their_language(harness, invite):
    services = harness.app.bot_data["services"]
    lan = harness.api.make_user(3101, "Lan", language_code="vi")
    [welcome] = await harness.send(lan, f"/start {invite}")
    await harness.press_label(lan, welcome, language_label("vi"))
    await services.db.execute("UPDATE signups SET updated_at = '2020-01-01T00:00:00Z'")
    assert await send_signup_reminders(services) == 1
    await harness.drain()
    reminder = harness.api.last_bot_message(3101)
    assert reminder["text"] == tr(
        "vi",
        "You started signing up for {building} but haven't finished. It only takes a "
        "minute: carry on whenever you like.",
        building="Maple Court",
    )
    [step], _a = await harness.press_label(lan, reminder, tr("vi", "Carry on"))
    assert data_of(step) == CONSENT  # the consent step, again
    assert await send_signup_reminders(services) == 0  # only once


async def test_a_tenure_keyboard_sent_before_the_two_questions_still_works(
    harness, invite, resident
):
    [welcome] = await harness.send(resident, f"/start {invite}")
    [consent], _a = await harness.press_label(resident, welcome, language_label("en"))
    [name_step], _a = await harness.press_label(resident, consent, tr("en", "✅ I agree"))
    await harness.press_label(resident, name_step, tr("en", "Use “{name}”", name="Amina"))
    [tenure_step] = await harness.send(resident, "3")
    # the old keyboard's "Assisted or subsidised": no tenure, and the kind of unit
    await harness.press(resident, tenure_step, SignupTenure("assisted").pack())
    found = await harness.app.bot_data["services"].signup.resident(resident["id"])
    assert (found.tenure, found.affordability) == (None, "assisted")
