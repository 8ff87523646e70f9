"""/profile: residents change their sign-up answers afterwards."""

import pytest

from bot.views.buttons import (
    ProfileAffords,
    ProfileEditName,
    ProfileEditUnit,
    ProfileLanguages,
    ProfileTenure,
    ProfileTenures,
    SignupJoin,
)
from tests.support import buttons, sign_up, tr


@pytest.fixture
async def signed_up(harness, admin, resident):
    await harness.send(admin, "/building add Maple Court")
    await harness.send(resident, "/start")
    await sign_up(harness.app.bot_data["services"], resident, 1)
    return resident


async def test_not_signed_up_yet(harness, admin, resident):
    [reply] = await harness.send(resident, "/profile")
    assert reply["text"] == tr("en", "You haven't signed up for a building yet.")
    assert buttons(reply) == []
    await harness.send(admin, "/building add Maple Court")
    [reply] = await harness.send(resident, "/profile")
    assert [d for _t, d in buttons(reply)] == [SignupJoin().pack()]


async def test_change_name_unit_and_tenure(harness, signed_up):
    resident = signed_up
    services = harness.app.bot_data["services"]
    [card] = await harness.send(resident, "/profile")
    assert tr("en", "Unit: {unit}", unit="4B") in card["text"]
    assert [d for _t, d in buttons(card)] == [
        ProfileEditName().pack(),
        ProfileEditUnit().pack(),
        ProfileTenures().pack(),
        ProfileAffords().pack(),
        ProfileLanguages().pack(),
    ]
    assert tr("en", "Kind of unit: {kind}", kind=tr("en", "🤷 I don't know")) in card["text"]

    [ask], _a = await harness.press_label(resident, card, tr("en", "✏️ Change my name"))
    assert ask["text"] == tr("en", "Type your new name.")
    [saved] = await harness.send(resident, "  Amina <Khan>  ")
    assert "Amina <Khan>" in saved["text"]
    assert (await services.profile.get(resident["id"])).display_name == "Amina <Khan>"

    [ask], _a = await harness.press_label(resident, saved, tr("en", "✏️ Change my unit"))
    [refused] = await harness.send(resident, "<script>")
    assert "12" in refused["text"]  # the unit rules, with the limit
    [saved] = await harness.send(resident, "12-03")
    assert (await services.profile.get(resident["id"])).unit == "12-03"

    [choices], _a = await harness.press_label(resident, saved, tr("en", "✏️ Change how I live here"))
    [card], [answer] = await harness.press_label(resident, choices, tr("en", "🏠 I own my home"))
    assert answer.params["text"] == tr("en", "Saved")
    assert (await services.profile.get(resident["id"])).tenure == "owner"
    [choices], _a = await harness.press_label(resident, card, tr("en", "✏️ Change my kind of unit"))
    [card], _a = await harness.press_label(resident, choices, tr("en", "🤝 Assisted or subsidised"))
    assert (await services.profile.get(resident["id"])).affordability == "assisted"
    summary, _doc = await harness.send(resident, "/mydata")
    assert (
        tr("en", "Kind of unit: {kind}", kind=tr("en", "🤝 Assisted or subsidised"))
        in (summary["text"])
    )
    # After the edit, typing is back to normal.
    [hint] = await harness.send(resident, "hello")
    assert hint["text"].startswith(tr("en", "I work best with buttons and commands."))


async def test_cancel_and_forged_buttons(harness, signed_up):
    resident = signed_up
    [card] = await harness.send(resident, "/profile")
    [ask], _a = await harness.press_label(resident, card, tr("en", "✏️ Change my unit"))
    [card_again], _a = await harness.press_label(resident, ask, tr("en", "Cancel"))
    assert tr("en", "<b>Your profile</b>")[3:-4] in card_again["text"]
    [hint] = await harness.send(resident, "7A")  # no edit under way any more
    assert hint["text"].startswith(tr("en", "I work best with buttons and commands."))
    # raw data on purpose: no button of ours carries these (an unknown tenure, an unknown
    # tag, no tag)
    for forged in ("pf:ten:landlord", "pf:zzz", "pf:"):
        sent, [_answer] = await harness.press(resident, card, forged)
        assert sent == []
    assert (await harness.app.bot_data["services"].profile.get(resident["id"])).tenure == "renter"


async def test_a_stranger_pressing_profile_buttons_changes_nothing(harness, signed_up, admin):
    [card] = await harness.send(signed_up, "/profile")
    stranger = harness.api.make_user(2999, "Eve")
    sent, [answer] = await harness.press(stranger, card, ProfileTenure("owner").pack())
    assert sent == []
    assert answer.params["text"] == tr(
        "en", "This button no longer works. Send /help to start again."
    )
