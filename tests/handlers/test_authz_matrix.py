"""The authorisation matrix, generated from the registries: every command of the command
catalogue and every button of ``views/buttons.py`` (through the families ``app`` registers),
against every kind of person: someone who never signed up, a pending resident, an approved
resident, a steward of building A acting on building B's things, a steward of A on A's, an
organiser and a bot admin.

What must hold:
- every command and button family declares who may use it (``permission_gaps``);
- someone below the declared role gets the polite, translated refusal, and nothing changes
  (no table, no audit entry);
- someone of building A acting on building B's object (an announcement, an event, a draft, a
  question, a survey wave, a resident, a page of B's residents) changes nothing and sees none
  of B's private words;
- someone at or above the declared role is not refused.
"""

from __future__ import annotations

from dataclasses import fields
from typing import get_type_hints

import pytest
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler

from bot.app import button_families, permission_gaps
from bot.handlers.common import declared_role, refusal_text, requires
from bot.i18n import use_locale
from bot.services.commands import COMMANDS
from bot.services.roles import Role
from bot.views import buttons as b
from tests.support import ADMIN_ID, plain, sign_up

A, B = 1, 2
# words only building B's people may read: a resident's name and unit, an announcement, an event
SECRETS = ("Bianca", "B-77", "OakSecretNotice", "OakSecretParty")
IGNORED_TABLES = {"processed_updates", "users", "schema_migrations", "sqlite_sequence"}

# (who, role, building they belong to or look after)
PEOPLE = {
    "nobody": (3001, Role.RESIDENT),
    "pending": (3002, Role.RESIDENT),
    "resident": (3003, Role.RESIDENT),
    "steward_a": (1201, Role.STEWARD),
    "organiser": (1100, Role.ORGANISER),
    "admin": (ADMIN_ID, Role.ADMIN),
}
OBJECT_FIELDS = {"ann", "question", "event", "draft", "wave", "building_id", "user_id", "offer"}


# ------------------------------------------------------------------------ declarations
def test_every_command_and_button_family_declares_who_may_use_it(harness):
    assert permission_gaps(harness.app) == []
    registered_commands = {
        name
        for group in harness.app.handlers.values()
        for h in group
        if isinstance(h, CommandHandler)
        for name in h.commands
    }
    assert registered_commands == {c.name for c in COMMANDS}


# The reviewed declarations: a family (or button) whose declared role drifts from this, or a
# new family not listed here, fails until someone decides who may press it.
REVIEWED = {
    "lang": Role.RESIDENT,
    "forget": Role.RESIDENT,
    "su": Role.RESIDENT,
    "pf": Role.RESIDENT,
    "pg": Role.RESIDENT,  # each list's own role: paging.LISTINGS, checked at every page
    "ar": Role.RESIDENT,
    "ar:a": Role.STEWARD,  # answering a resident's question
    "tr": Role.RESIDENT,  # translators: the service checks the announcement wants them
    "er": Role.RESIDENT,
    "eo": Role.RESIDENT,
    "ne": Role.RESIDENT,
    "sv": Role.RESIDENT,
    "bld": Role.ORGANISER,
    "mod": Role.STEWARD,
    "an": Role.STEWARD,
    "ev": Role.STEWARD,
    "en": Role.STEWARD,
    "ea": Role.STEWARD,
    "po": Role.STEWARD,
    "sd": Role.STEWARD,
}


def test_every_buttons_declared_role_is_the_reviewed_one():
    declared: dict[str, set] = {}
    for family, handler in button_families().items():
        stricter = getattr(handler, "button_roles", {})
        for cls in b.registered()[family]:
            key = f"{family}:{cls.TAG}" if cls in stricter else family
            declared.setdefault(key, set()).add(declared_role(handler, cls))
    assert declared == {key: {role} for key, role in REVIEWED.items()}


def test_an_undeclared_command_or_button_family_is_caught():
    async def bare(update, context):  # neither @command nor @requires
        return None

    app = ApplicationBuilder().token("1:x").build()
    app.add_handler(CommandHandler("sneaky", bare))
    app.add_handler(CallbackQueryHandler(bare, pattern=b.pattern("an")))
    app.add_handler(CallbackQueryHandler(requires(Role.STEWARD)(bare), pattern=b.pattern("ev")))
    gaps = permission_gaps(app)
    assert "/sneaky: no command catalogue declaration" in gaps
    assert "buttons an: no @requires declaration" in gaps
    assert not any(g.startswith("buttons ev:") for g in gaps if "declaration" in g)
    assert "buttons su: no handler" in gaps  # registered codecs nobody handles


# ------------------------------------------------------------------------ the community
async def snapshot(services) -> dict[str, list]:
    """Every row of every table that says something (not the bookkeeping of updates seen)."""
    tables = [
        row[0]
        for row in await services.db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
        if row[0] not in IGNORED_TABLES
    ]
    found = {}
    for table in tables:
        rows = await services.db.fetch_all(f'SELECT * FROM "{table}"')  # sql-ok: sqlite_master
        found[table] = sorted(tuple(r) for r in rows)
    return found


def changed(before: dict, after: dict) -> list[str]:
    return [t for t in after if before.get(t) != after[t]]


@pytest.fixture
async def world(harness, admin):
    """Buildings A and B, the people of PEOPLE, and one of each object in A and in B."""
    services = harness.app.bot_data["services"]
    api = harness.api
    await harness.send(admin, "/building add Maple Court")
    await harness.send(admin, "/building add Oak House")
    users = {"admin": admin}
    for key, (uid, _role) in PEOPLE.items():
        if key != "admin":
            users[key] = api.make_user(uid, key.title(), username=key)
    users["steward_b"] = api.make_user(1202, "Bo", username="bo")
    users["resident_b"] = api.make_user(3103, "Bianca", username="bianca")
    users["pending_b"] = api.make_user(3104, "Pia", username="pia")
    for user in users.values():
        api.world.register_user(user)
        await harness.send(user, "/start")
    await services.roles.promote(ADMIN_ID, 1100, Role.ORGANISER)
    await services.roles.promote(1100, 1201, Role.STEWARD, A)
    await services.roles.promote(1100, 1202, Role.STEWARD, B)
    await sign_up(services, users["pending"], A, unit="A-1")
    await sign_up(services, users["resident"], A, unit="A-2")
    await sign_up(services, users["resident_b"], B, unit="B-77")
    await sign_up(services, users["pending_b"], B, unit="B-78")
    await services.moderation.decide(1201, 3003, "approve")
    await services.moderation.decide(1202, 3103, "approve")
    objects: dict[str, dict[int, int]] = {}
    # announcements: a draft in each building
    notices = ((A, "steward_a", "MapleNotice"), (B, "steward_b", "OakSecretNotice"))
    for building, key, words in notices:
        await harness.send(users[key], f"/announce {building} | {words}")
    rows = await services.db.fetch_all("SELECT id, author_id FROM announcements ORDER BY id")
    objects["ann"] = {A if by == 1201 else B: ann for ann, by in rows}
    # a question from each building's resident
    objects["question"] = {
        A: await services.announcements.ask(objects["ann"][A], 3003, A),
        B: await services.announcements.ask(objects["ann"][B], 3103, B),
    }
    # events: one unpublished preview (steward buttons) and one published (residents' buttons)
    objects["draft_event"], objects["event"] = {}, {}
    parties = ((A, "steward_a", "MapleParty"), (B, "steward_b", "OakSecretParty"))
    for building, key, title in parties:
        for kind in ("draft_event", "event"):
            [preview] = await harness.send(
                users[key], f"/newevent 2026-12-05 18:30 | {title} | Room"
            )
            data = next(
                x["callback_data"]
                for row in preview["reply_markup"]["inline_keyboard"]
                for x in row
                if x.get("callback_data", "").startswith("ev:pub:")
            )
            objects[kind][building] = int(data.rsplit(":", 1)[1])
            if kind == "event":
                await harness.press(users[key], preview, data)
    # the guided /newevent flow's drafts
    objects["draft"] = {}
    for building, uid in ((A, 1201), (B, 1202)):
        draft = await services.events.draft_start(await services.roles.actor(uid))
        objects["draft"][building] = draft["id"]
    # a survey wave for each building
    objects["wave"] = {}
    for key in ("steward_a", "steward_b"):
        await harness.send(users[key], "/survey open agency 7 all")
    rows = await services.db.fetch_all("SELECT id, author_id FROM survey_waves ORDER BY id")
    objects["wave"] = {A if by == 1201 else B: wave for wave, by in rows}
    # a sent poll for each building, and each steward's own survey draft
    for key in ("steward_a", "steward_b"):
        [card] = await harness.send(users[key], "/poll Bins on Monday? | Yes | No")
        poll_id = await services.db.fetch_value("SELECT max(id) FROM polls")
        await harness.press(users[key], card, b.PollSend(poll_id).pack())
    rows = await services.db.fetch_all("SELECT id, author_id FROM polls ORDER BY id")
    objects["poll"] = {A if by == 1201 else B: poll for poll, by in rows}
    objects["survey_draft"] = {}
    for building, uid in ((A, 1201), (B, 1202)):
        actor = await services.roles.actor(uid)
        objects["survey_draft"][building] = await services.surveys.start_draft(actor, "en")
    return {"users": users, "objects": objects, "services": services}


def values_for(cls: type, objects: dict, building: int, kind: str | None = None) -> dict:
    """Values for a button of ``cls`` that point at ``building``'s objects."""
    hints = get_type_hints(cls)
    out = {}
    for spec in fields(cls):
        name = spec.name
        choices = spec.metadata.get("choices")
        if choices:
            out[name] = "es" if "es" in choices else sorted(choices)[0]
        elif name == "ann":
            out[name] = objects["ann"][building]
        elif name == "question" and cls.FAMILY == "ar":
            out[name] = objects["question"][building]
        elif name == "event":
            published = cls.FAMILY in ("er", "ne", "ea")
            out[name] = objects["event" if published else "draft_event"][building]
        elif name == "draft":
            out[name] = objects["survey_draft" if cls.FAMILY == "sd" else "draft"][building]
        elif name == "poll":
            out[name] = objects["poll"][building]
        elif name == "wave":
            out[name] = objects["wave"][building]
        elif name == "building_id":
            out[name] = building
        elif name == "user_id":
            out[name] = 3003 if building == A else 3103
        elif name == "kind":
            out[name] = kind
        elif name == "arg":
            out[name] = building if kind == "res" else 0
        elif name == "month":
            out[name] = 202612
        elif name == "day":
            out[name] = 20261205
        elif name == "time":
            out[name] = 1830
        elif name in ("places", "value", "question") or hints[name] is int:
            out[name] = 1
        else:
            out[name] = "x"
    return out


def button_cases() -> list[tuple[str, type, str | None]]:
    cases = []
    for family in button_families():
        for cls in b.registered()[family]:
            if cls is b.Page:
                cases += [(family, cls, kind) for kind in ("res", "aud", "inv", "bld")]
            else:
                cases.append((family, cls, None))
    return cases


def case_id(case) -> str:
    _family, cls, kind = case
    return f"{cls.__name__}{'-' + kind if kind else ''}"


async def press(harness, user: dict, button) -> list[str]:
    """Press ``button`` in the user's chat; every text the bot showed them (alerts too)."""
    message = harness.api.send_message(user, "anchor")  # a message to hang the press on
    update = harness.api.press_button(user, message, button.pack())
    calls = await harness.process(update)
    texts = [str(c.params.get("text", "")) for c in calls if c.params]
    return [plain(t) for t in texts]


def required(cls: type, kind: str | None) -> Role:
    from bot.handlers import paging

    role = declared_role(button_families()[cls.FAMILY], cls)
    if kind is not None:
        role = max(role, paging.LISTINGS[kind].role)
    return role


@pytest.mark.parametrize("case", button_cases(), ids=case_id)
async def test_every_button_against_every_role(harness, world, case):
    _family, cls, kind = case
    services, users, objects = world["services"], world["users"], world["objects"]
    role = required(cls, kind)
    assert role is not None, f"{cls.__name__} has no declared role"
    with use_locale("en"):
        refusal = refusal_text(role)
    # 1. Building A's people on building B's object: nothing changes, nothing of B shows.
    # (Buttons that name no object act on the presser's own things: /forget, /profile.)
    names_an_object = {f.name for f in fields(cls)} & OBJECT_FIELDS or kind == "res"
    for who in ("pending", "resident", "steward_a") if names_an_object else ():
        before = await snapshot(services)
        texts = await press(harness, users[who], cls(**values_for(cls, objects, B, kind)))
        assert changed(before, await snapshot(services)) == [], (who, "on B's object")
        leaked = [s for s in SECRETS if any(s in t for t in texts)]
        assert leaked == [], (who, "saw B's", leaked)
        assert texts, (who, "got no answer at all")
    # 2. Below the declared role, on A's object: the polite refusal, nothing changes.
    for who, (_uid, has) in PEOPLE.items():
        if has >= role:
            continue
        before = await snapshot(services)
        texts = await press(harness, users[who], cls(**values_for(cls, objects, A, kind)))
        assert refusal in texts, (who, texts)
        assert changed(before, await snapshot(services)) == [], who
    # 3. At or above it: never the refusal.
    for who, (_uid, has) in PEOPLE.items():
        if has < role:
            continue
        texts = await press(harness, users[who], cls(**values_for(cls, objects, A, kind)))
        assert refusal not in texts or role == Role.RESIDENT, (who, texts)


# ------------------------------------------------------------------------ commands
def command_cases():
    return [(c.name, c.role) for c in COMMANDS]


@pytest.mark.parametrize(("name", "role"), command_cases(), ids=[c.name for c in COMMANDS])
async def test_every_command_against_every_role(harness, world, name, role):
    services, users = world["services"], world["users"]
    with use_locale("en"):
        refusal = refusal_text(role)
    for who, (_uid, has) in PEOPLE.items():
        before = await snapshot(services)
        replies = await harness.send(users[who], f"/{name}")
        texts = [plain(m.get("text") or m.get("caption") or "") for m in replies]
        if has < role:
            assert texts == [refusal], (who, texts)
            assert changed(before, await snapshot(services)) == [], who
        else:
            assert refusal not in texts, (who, texts)


# A steward of A naming building B's things in a command: refused, nothing changes or shows.
CROSS_COMMANDS = [
    "/approve @pia",
    "/reject @pia no",
    "/ban @bianca spam",
    "/unban @bianca",
    "/residents {B}",
    "/report {ann}",
    "/editannounce {ann}",
    "/cancelevent {event}",
    "/editevent {event} title Mine now",
    "/attendance {event}",
    "/eventreport {event}",
    "/survey close {wave}",
    "/survey results {wave}",
    "/closepoll {poll}",
    "/results {poll}",
    "/results {poll} csv",
    "/invite {B}",
    "/announce {B} | Hello Oak",
    "/newevent {B} 2026-12-06 18:30 | Oak takeover | Room",
]


@pytest.mark.parametrize("line", CROSS_COMMANDS)
async def test_a_steward_of_a_cannot_act_on_bs_things_by_command(harness, world, line):
    services, objects = world["services"], world["objects"]
    text = line.format(
        B=B,
        ann=objects["ann"][B],
        event=objects["event"][B],
        wave=objects["wave"][B],
        poll=objects["poll"][B],
    )
    before = await snapshot(services)
    replies = await harness.send(world["users"]["steward_a"], text)
    texts = [plain(m.get("text") or m.get("caption") or "") for m in replies]
    assert texts, "no answer"
    assert changed(before, await snapshot(services)) == []
    assert [s for s in SECRETS if any(s in t for t in texts)] == []
