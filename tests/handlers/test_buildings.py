"""/building for organisers: every command and button checks the role at the time of use."""

import pytest

from bot.views.buttons import BuildingArchive, BuildingCancel
from tests.support import ADMIN_ID, buttons, sign_up, tr

REFUSAL = "Sorry, only organisers can use that command."


async def names(harness) -> list[str]:
    return [b.name for b in await harness.app.bot_data["services"].buildings.active()]


@pytest.mark.parametrize(
    "text",
    [
        "/building",
        "/building list",
        "/building add Maple Court",
        "/building rename 1 X",
        "/building archive 1",
    ],
)
async def test_residents_are_refused_every_building_command(harness, resident, admin, text):
    await harness.send(admin, "/building add Elm House")
    [reply] = await harness.send(resident, text)
    assert reply["text"] == tr("en", REFUSAL)
    assert await names(harness) == ["Elm House"]


async def test_organiser_manages_buildings(harness, admin):
    [usage] = await harness.send(admin, "/building")
    assert "/building add Maple Court" in usage["text"]
    [empty] = await harness.send(admin, "/building list")
    assert "/building add" in empty["text"]

    [added] = await harness.send(admin, "/building add   Maple   Court")
    assert added["text"] == tr("en", "Added building #{id}: {name}.", id=1, name="Maple Court")
    [duplicate] = await harness.send(admin, "/building add maple court")
    assert duplicate["text"] == tr(
        "en", "There is already a building called {name}.", name="maple court"
    )
    [renamed] = await harness.send(admin, "/building rename #1 Maple Court East")
    assert "Maple Court East" in renamed["text"]
    [listing] = await harness.send(admin, "/building list")
    assert "#1 Maple Court East" in listing["text"]

    [confirm] = await harness.send(admin, "/building archive 1")
    assert [d for _t, d in buttons(confirm)] == [BuildingArchive(1).pack(), BuildingCancel().pack()]
    [kept], _answers = await harness.press_label(admin, confirm, tr("en", "Cancel"))
    assert kept["text"] == tr("en", "Nothing was changed.")
    assert await names(harness) == ["Maple Court East"]
    [confirm] = await harness.send(admin, "/building archive Maple Court East")
    [done], _answers = await harness.press_label(admin, confirm, tr("en", "📦 Archive"))
    assert done["text"] == tr(
        "en", "Building #{id} {name} is archived.", id=1, name="Maple Court East"
    )
    assert await names(harness) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "/building add",
            "Please give the building a name, for example: /building add Maple Court",
        ),
        ("/building add " + "x" * 61, "That name is too long: use at most {max} characters."),
        ("/building archive 99", "I can't find an active building {ref}. See /building list."),
        ("/building rename 99 New", "I can't find an active building {ref}. See /building list."),
    ],
)
async def test_bad_input_gets_a_clear_answer(harness, admin, text, expected):
    [reply] = await harness.send(admin, text)
    assert reply["text"] == tr("en", expected, max=60, ref="99")


async def test_archive_button_rechecks_the_role_and_ignores_forgeries(harness, admin, resident):
    await harness.send(admin, "/building add Elm House")
    [confirm] = await harness.send(admin, "/building archive 1")
    # A resident replaying the admin's button (forged callback data) is refused.
    sent, [answer] = await harness.press(resident, confirm, BuildingArchive(1).pack())
    assert sent == []
    assert answer.params["text"] == tr("en", REFUSAL)
    assert answer.params.get("show_alert") is True
    # Forged data from an organiser changes nothing either: a well-formed button of a building
    # that does not exist, and raw data no button of ours carries (a word for a number, no
    # number, an unknown tag).
    for data in (
        BuildingArchive(99_999_999_999).pack(),
        "bld:archive:abc",
        "bld:archive:",
        "bld:zap",
    ):
        sent, [answer] = await harness.press(admin, confirm, data)
        assert sent == []
    assert await names(harness) == ["Elm House"]


async def test_hostile_building_names_render_safely(harness, admin):
    hostile = "<b>Tower</b> & <script>"
    [added] = await harness.send(admin, f"/building add {hostile}")
    assert hostile in added["text"]  # shown literally, not as markup
    [listing] = await harness.send(admin, "/building list")
    assert f"#1 {hostile}" in listing["text"]


async def test_building_answers_in_the_organisers_language(harness):
    organiser = harness.api.make_user(1000, "Sam", language_code="es")
    [added] = await harness.send(organiser, "/building add Torre Norte")
    assert added["text"] == tr("es", "Added building #{id}: {name}.", id=1, name="Torre Norte")


async def test_auto_approve_and_unit_limit(harness, admin):
    services = harness.app.bot_data["services"]
    await harness.send(admin, "/building add Elm House")
    [saved] = await harness.send(admin, "/building autoapprove 1 on")
    assert saved["text"].startswith(
        tr(
            "en",
            "Saved for #{id} {name}: {state}, up to {count} per unit.",
            id=1,
            name="Elm House",
            state=tr("en", "approves automatically"),
            count=8,
        )
    )
    [saved] = await harness.send(admin, "/building unitlimit Elm House 1")
    assert "1" in saved["text"]
    [bad] = await harness.send(admin, "/building unitlimit 1 0")
    assert bad["text"] == tr("en", "Please give a number from 1 to {max}.", max=50)
    first = harness.api.make_user(2201, "First")
    second = harness.api.make_user(2202, "Second")
    invite = await services.invites.create(ADMIN_ID, 1)
    await sign_up(services, first, 1, unit="3C", invite=invite.code)
    await sign_up(services, second, 1, unit="3C", invite=invite.code)
    assert (await services.signup.resident(2201)).status == "approved"
    assert (await services.signup.resident(2202)).status == "pending"  # the unit is full
    _header, card = await harness.send(admin, "/pending")
    assert "Second" in card["text"]
    assert "⚠️" in card["text"]
    [listing] = await harness.send(admin, "/building list")
    assert tr("en", "up to {count} per unit", count=1) in listing["text"]
    [refused] = await harness.send(
        harness.api.make_user(2203, "Res"), "/building autoapprove 1 off"
    )
    assert refused["text"] == tr("en", REFUSAL)
