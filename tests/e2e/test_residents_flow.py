"""The whole resident journey in the real process, in all six languages:
invite -> sign-up -> pending -> approve -> /mydata -> /forget."""

from __future__ import annotations

import json
import re

import pytest

from tests.support import ADMIN_ID, language_label, tr

pytestmark = pytest.mark.e2e

PHONES = {"en": "en", "es": "es-MX", "fr": "fr", "ar": "ar", "zh_Hans": "zh-CN", "vi": "vi"}


@pytest.mark.parametrize("locale", list(PHONES))
async def test_invite_to_forget(bot_process, locale):
    api = bot_process.api
    admin = api.make_user(ADMIN_ID, "Sam", language_code="en")
    await bot_process.reply_to(admin, "/start")
    await bot_process.reply_to(admin, "/building add Maple Court")
    start = len(api.calls)
    photo = await bot_process.reply_to(admin, "/invite 1")
    code = re.search(r"start=([A-Za-z0-9_-]{12})", photo["caption"]).group(1)
    poster = await api.wait_for_call(  # the printable poster follows (drawn meanwhile)
        lambda c: c.method.lower() == "senddocument" and c.params.get("chat_id") == ADMIN_ID,
        start=start,
        timeout=30,
    )
    assert poster.ok and poster.result["document"]["file_name"] == "poster-Maple-Court.pdf"

    user = api.make_user(
        2000 + len(locale),
        "Résidente",
        language_code=PHONES[locale],
        username=f"res_{locale.lower()}",
    )
    welcome = await bot_process.reply_to(user, f"/start {code}")
    assert tr(locale, "👋 Welcome to Common Ground, {name}!", name="Résidente") in welcome["text"]
    consent = await bot_process.press_label(user, welcome, language_label(locale))
    assert consent["text"].startswith(tr(locale, "<b>Before we start</b>")[3:-4])
    name_step = await bot_process.press_label(user, consent, tr(locale, "✅ I agree"))
    await bot_process.press_label(user, name_step, tr(locale, "Use “{name}”", name="Résidente"))
    tenure_step = await bot_process.reply_to(user, "12-03")
    afford_step = await bot_process.press_label(user, tenure_step, tr(locale, "🔑 I rent"))
    start = len(api.calls)
    done = await bot_process.press_label(user, afford_step, tr(locale, "🤝 Assisted or subsidised"))
    assert "Maple Court" in done["text"]
    # With no steward yet, the admin hears of the new sign-up (in the admin's language).
    notice = await api.wait_for_message(ADMIN_ID, start=start)
    assert notice["text"].startswith("🆕 New sign-up waiting: Résidente")

    start = len(api.calls)
    pending = await bot_process.reply_to(admin, "/pending")
    assert "(1)" in pending["text"]
    card = await api.wait_for_call(
        lambda c: (
            c.method == "sendMessage"
            and c.params.get("chat_id") == ADMIN_ID
            and c.ok
            and c.result["message_id"] > pending["message_id"]
        ),
        start=start,
    )
    assert "Résidente" in card.result["text"]
    before_approval = len(api.calls)
    approved = await bot_process.reply_to(admin, f"/approve @res_{locale.lower()}")
    assert "Résidente" in approved["text"]
    # the resident is told through the outbox, right after
    told = await api.wait_for_message(user["id"], start=before_approval)
    assert (
        tr(
            locale,
            "Good news: your sign-up for {building} is approved. Welcome! Send /help "
            "to see what you can do.",
            building="Maple Court",
        )
        == told["text"]
    )

    start = len(api.calls)
    summary = await bot_process.reply_to(user, "/mydata")
    assert tr(locale, "Unit: {unit}", unit="12-03") in summary["text"]
    document = await api.wait_for_call(
        lambda c: c.method == "sendDocument" and c.params.get("chat_id") == user["id"],
        start=start,
    )
    data = json.loads(api.files()[document.result["document"]["file_id"]][1])
    assert (data["resident"]["tenure"], data["resident"]["affordability"]) == ("renter", "assisted")
    assert data["resident"]["status"] == "approved"

    confirm = await bot_process.reply_to(user, "/forget")
    await bot_process.press_label(user, confirm, tr(locale, "🗑 Yes, erase my data"))
    kept = await bot_process.reply_to(user, "/mydata")
    # The stewards' log keeps its line about the approval, under a pseudonym whose key
    # /forget deleted: nothing the bot holds leads back to them any more.
    assert "Résidente" not in kept["text"] and "12-03" not in kept["text"]
    assert (
        tr(locale, "We don't store anything about you. Send /start if you want to begin.")
        == (kept["text"])
    )
