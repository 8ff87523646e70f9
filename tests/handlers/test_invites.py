"""/invite: deep links and printable QR codes per building, expiring and revocable."""

import re

import png
import pytest

from bot.services.roles import Role
from tests.support import tr

LINK = re.compile(r"https://t\.me/CommonGroundBot\?start=([A-Za-z0-9_-]{12})")


@pytest.fixture
async def maple(harness, admin):
    await harness.send(admin, "/building add Maple Court")
    return 1


async def test_invite_sends_a_scannable_qr_and_the_link(harness, admin, maple):
    [photo, _poster] = await harness.send(admin, "/invite 1")
    code = LINK.search(photo["caption"]).group(1)
    assert "Maple Court" in photo["caption"]
    assert tr("en", "Never expires") in photo["caption"]
    _name, content = harness.api.files()[photo["photo"][-1]["file_id"]]
    width, height, _rows, _info = png.Reader(bytes=content).read()
    assert width == height >= 300  # big enough to print and scan
    invite = await harness.app.bot_data["services"].invites.check(code)
    assert invite.building_id == maple


async def test_expiring_invites_and_names_ending_in_numbers(harness, admin, maple):
    [photo, _poster] = await harness.send(admin, "/invite Maple Court 30")
    assert "Maple Court" in photo["caption"]
    assert tr("en", "Works until {date}", date="") in photo["caption"]
    await harness.send(admin, "/building add Tower 2")
    [photo, _poster] = await harness.send(admin, "/invite Tower 2")
    assert "#2 Tower 2" in photo["caption"]
    assert tr("en", "Never expires") in photo["caption"]


@pytest.mark.parametrize("days", ["0", "366", "99999"])
async def test_invalid_durations_are_refused(harness, admin, maple, days):
    [reply] = await harness.send(admin, f"/invite 1 {days}")
    assert reply["text"] == tr("en", "An invite can last from 1 to {max} days.", max=365)


async def test_list_and_revoke(harness, admin, maple):
    [empty] = await harness.send(admin, "/invite list")
    assert "/invite" in empty["text"]
    [photo, _poster] = await harness.send(admin, "/invite 1")
    code = LINK.search(photo["caption"]).group(1)
    [listing] = await harness.send(admin, "/invite list")
    assert code in listing["text"]
    [revoked] = await harness.send(admin, f"/invite revoke {code}")
    assert code in revoked["text"]
    [again] = await harness.send(admin, f"/invite revoke {code}")
    assert again["text"] == tr("en", "That invite was already withdrawn.")
    [unknown] = await harness.send(admin, "/invite revoke nope")
    assert unknown["text"] == tr("en", "I can't find that invite. See /invite list.")
    [empty] = await harness.send(admin, "/invite list")
    assert code not in empty["text"]


async def test_residents_cannot_make_invites(harness, admin, resident, maple):
    for text in ("/invite 1", "/invite list", "/invite revoke x"):
        [reply] = await harness.send(resident, text)
        assert reply["text"] == tr(
            "en", "Sorry, only stewards and organisers can use that command."
        )
    services = harness.app.bot_data["services"]
    assert await services.invites.active(await services.roles.actor(admin["id"])) == []


async def test_stewards_invite_to_their_own_buildings_only(harness, admin, maple):
    services = harness.app.bot_data["services"]
    await harness.send(admin, "/building add Oak House")
    steward = harness.api.make_user(1201, "Ana")
    await harness.send(steward, "/start")
    await services.roles.promote(admin["id"], 1201, Role.STEWARD, maple)
    [photo, _poster] = await harness.send(steward, "/invite 1")
    code = LINK.search(photo["caption"]).group(1)
    [refused] = await harness.send(steward, "/invite Oak House")
    assert refused["text"] == tr(
        "en", "You can only make and withdraw invites for the buildings you represent."
    )
    [photo_b, _poster] = await harness.send(admin, "/invite 2")
    code_b = LINK.search(photo_b["caption"]).group(1)
    [listing] = await harness.send(steward, "/invite list")
    assert code in listing["text"]
    assert code_b not in listing["text"]
    [refused] = await harness.send(steward, f"/invite revoke {code_b}")
    assert "buildings you represent" in refused["text"]
    assert (await services.invites.check(code_b)).revoked_at is None


async def test_invite_sends_the_lobby_poster_as_a_pdf_after_the_qr_code(harness, admin):
    await harness.send(admin, "/building add برج النخيل 棕榈楼")
    [photo, document] = await harness.send(admin, "/invite 1")
    assert "photo" in photo
    assert document["document"]["file_name"] == "poster-برج-النخيل-棕榈楼.pdf"
    assert document["caption"] == tr("en", "A poster of this invite to print (A4) for the lobby.")
    _name, content = harness.api.files()[document["document"]["file_id"]]
    assert content.startswith(b"%PDF-")
    assert b"NotoSansArabic" in content and b"NotoSansCJK" in content


async def test_the_poster_caption_is_in_the_stewards_language(harness, admin, maple):
    await harness.app.bot_data["services"].users.choose_locale(admin["id"], "es")
    [_photo, document] = await harness.send(admin, "/invite 1")
    assert document["caption"] == tr("es", "A poster of this invite to print (A4) for the lobby.")
    assert document["document"]["file_name"] == "poster-Maple-Court.pdf"
