"""Organisers' own surveys: a YAML or JSON file (checked, line-numbered errors in the sender's
language, a preview with Save), the guided /survey new, permissions at the moment of use,
replays and double presses, residents answering choice, 1-5 and typed questions, and results
with typed answers shown without names only when at least k residents gave one."""

from __future__ import annotations

import json
from pathlib import Path

from bot.services.surveys import SKIP
from bot.views import buttons as b
from bot.views.common import shown_count
from tests.handlers.test_announcements import building, make_steward, residents
from tests.handlers.test_surveys import freeze, rows, services_of
from tests.support import button_data, plain, tr

K = 5
EXAMPLE = (Path(__file__).resolve().parents[2] / "docs" / "surveys" / "example.yaml").read_bytes()

SMALL = b"""name: laundry
title:
  en: The laundry room
  es: La lavanderia
questions:
  - kind: choice
    text:
      en: Which day do you use it?
      es: Que dia la usas?
    options: [Weekdays, Weekends]
  - kind: likert
    text: It is clean.
  - kind: text
    text: What would you change?
"""

BAD = b"""name: Agency Survey
title: A bad one
colour: blue
questions:
  - kind: choice
    text: Pick one
    options:
      - only one
  - kind: poll
    text: {en: Hello, xx: Bonjour}
  - kind: text
  - kind: likert
    text: Fine
    options: [a, b]
"""


async def count(harness, sql: str) -> int:
    return (await rows(harness, sql))[0][0]


async def saved(harness, user, filename=b"", content=SMALL):
    """Upload ``content`` and press Save on the preview; returns the preview."""
    [preview] = await harness.send_file(user, filename or "laundry.yaml", content)
    await harness.press_label(user, preview, "💾 Save")
    return preview


# ------------------------------------------------------------------------------ files
async def test_a_good_yaml_file_gives_a_preview_and_save_keeps_it_once(harness, admin):
    [preview] = await harness.send_file(admin, "example.yaml", EXAMPLE)
    text = plain(preview["text"])
    assert "Repairs in your building" in text
    assert "3 questions" in text
    assert "Languages: English, Español, Français" in text
    assert "▫️ Less than a week" in text  # options as residents will see them
    assert "/survey open repairs" in text
    assert await count(harness, "SELECT count(*) FROM survey_definitions") == 0
    messages, _ = await harness.press_label(admin, preview, "💾 Save")
    assert "Saved" in plain(messages[-1]["text"])
    # a second press of the same Save (a double tap) does nothing more
    data = button_data(preview, "💾 Save")
    _m, answers = await harness.press(admin, preview, data)
    assert "saved or cancelled already" in str(answers[-1].params)
    names = await rows(harness, "SELECT name FROM survey_definitions")
    assert [r[0] for r in names] == ["repairs"]
    audit = await rows(
        harness,
        "SELECT (SELECT user_id FROM person_keys WHERE pseudonym = actor_id), details "
        "FROM audit_log WHERE action = ?",
        ("survey.define",),
    )
    assert len(audit) == 1 and audit[0][0] == admin["id"] and "repairs" in audit[0][1]
    [listing] = await harness.send(admin, "/survey list")
    assert "repairs · Repairs in your building · 3 questions" in plain(listing["text"])
    # the same name again is refused, with its line
    [again] = await harness.send_file(admin, "example.yaml", EXAMPLE)
    assert "Line 15: a survey called repairs exists already" in plain(again["text"])


async def test_a_bad_file_gets_every_problem_with_its_line(harness, admin):
    [answer] = await harness.send_file(admin, "bad.yaml", BAD)
    text = plain(answer["text"])
    assert "This survey file cannot be used yet" in text
    assert "Line 1: a name is 2 to 30 lowercase letters" in text
    assert "Line 3: unknown key “colour”" in text
    assert "Line 8: an option list needs 2 to 10 options" in text
    assert "Line 9: a question's kind is choice, likert or text" in text
    assert "Line 10: unknown language “xx”" in text
    assert "…and 2 more problems." in text  # no more than five at once
    assert await count(harness, "SELECT count(*) FROM survey_drafts") == 0


async def test_file_errors_are_in_the_senders_language(harness, admin):
    await services_of(harness).users.choose_locale(admin["id"], "es")
    [answer] = await harness.send_file(admin, "bad.yml", BAD)
    text = plain(answer["text"])
    line = tr(
        "es",
        "Line {line}: {problem}",
        line=8,
        problem=tr("es", "an option list needs {min} to {max} options", min=2, max=10),
    )
    assert plain(line) in text
    assert "option list" not in text


async def test_json_files_and_their_syntax_errors(harness, admin):
    good = json.dumps(
        {
            "name": "noise",
            "language": "es",
            "title": {"es": "El ruido", "en": "Noise"},
            "questions": [
                {"kind": "likert", "text": {"es": "Duermo bien.", "en": "I sleep well."}}
            ],
        },
        indent=2,
    ).encode()
    [preview] = await harness.send_file(admin, "noise.JSON", good)
    assert "Noise" in plain(preview["text"])  # the organiser's language (en), given
    broken = (
        b'{\n  "name": "noise",\n  "title": "x",\n  "questions": [\n'
        b'    {"kind": "text" "text": "y"}\n  ]\n}\n'
    )
    [answer] = await harness.send_file(admin, "noise.json", broken)
    assert "Line 5: this is not valid JSON" in plain(answer["text"])
    [answer] = await harness.send_file(admin, "x.json", '{"name": "café"}'.encode("latin-1"))
    assert "Line 1: this is not UTF-8 text" in plain(answer["text"])
    [answer] = await harness.send_file(admin, "big.yaml", b"#" * (65 * 1024))
    assert "The file is too big: at most 64 KB." in plain(answer["text"])
    [answer] = await harness.send_file(admin, "agency.yaml", SMALL.replace(b"laundry", b"agency"))
    assert "Line 1: the name agency is taken by the bot itself" in plain(answer["text"])
    [answer] = await harness.send_file(
        admin,
        "es.yaml",
        b"name: es-only\nlanguage: es\ntitle: {en: Hi}\nquestions:\n  - {kind: text, text: Hola}\n",
    )
    assert "Line 3: the text in español is missing" in plain(answer["text"])


async def test_who_may_send_a_survey_file(harness, admin):
    maple = await building(harness)
    [resident] = await residents(harness, maple, 1, first_id=8500)
    # a resident's file is any file: the usual hint, no preview, no draft
    [answer] = await harness.send_file(resident, "laundry.yaml", SMALL)
    assert "Save" not in str(answer.get("reply_markup"))
    assert await count(harness, "SELECT count(*) FROM survey_drafts") == 0
    # a steward may, and only they can press their preview's Save
    steward = harness.api.make_user(8600, "Stew", language_code="en")
    harness.api.world.register_user(steward)
    await make_steward(harness, steward, maple)
    [preview] = await harness.send_file(steward, "laundry.yaml", SMALL)
    data = button_data(preview, "💾 Save")
    _m, answers = await harness.press(resident, preview, data)
    assert "only stewards and organisers" in str(answers[-1].params)
    _m, answers = await harness.press(admin, preview, data)  # not their draft
    assert "saved or cancelled already" in str(answers[-1].params)
    # the steward loses the role before pressing: refused at the press
    await harness.send(admin, f"/demote {steward['id']}")
    _m, answers = await harness.press(steward, preview, data)
    assert "only stewards and organisers" in str(answers[-1].params)
    assert await count(harness, "SELECT count(*) FROM survey_definitions") == 0


async def test_a_replayed_upload_is_handled_once(harness, admin):
    from bot.sandbox.methods.media import store_file

    record = store_file(harness.api.world, "document", "laundry.yaml", SMALL)
    keys = ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
    message = harness.api.send_message(admin, None, document={k: record[k] for k in keys})
    update = {"update_id": 424242, "message": message}
    first = harness.outgoing(await harness.process(dict(update)))
    again = harness.outgoing(await harness.process(dict(update)))
    assert len(first) == 1 and again == []
    assert await count(harness, "SELECT count(*) FROM survey_drafts") == 1


# ------------------------------------------------------------------------------ the guided flow
async def test_the_guided_flow_writes_a_survey_step_by_step(harness, admin):
    [prompt] = await harness.send(admin, "/survey new")
    assert "What is it called?" in plain(prompt["text"])
    assert "YAML or JSON" in plain(prompt["text"])  # other languages: by file
    [asked] = await harness.send(admin, "Bins & Recycling")
    assert "Question 1" in plain(asked["text"])
    [kinds] = await harness.send(admin, "Which bin day suits you?")
    messages, _ = await harness.press_label(admin, kinds, "Choice")
    assert "one per line" in plain(messages[-1]["text"])
    [refused] = await harness.send(admin, "Monday")  # one option is not a choice
    assert "2 to 10 different options" in plain(refused["text"])
    [more] = await harness.send(admin, "Monday\nThursday\nSaturday")
    assert "1 question" in plain(more["text"])
    messages, _ = await harness.press_label(admin, more, "➕ Add a question")
    assert "Question 2" in plain(messages[-1]["text"])
    [kinds] = await harness.send(admin, "Anything else?")
    messages, _ = await harness.press_label(admin, kinds, "Short text")
    more = messages[-1]
    # a double press of a kind button does nothing twice
    await harness.press(admin, kinds, b.SdKind(1, "likert").pack())
    messages, _ = await harness.press_label(admin, more, "👀 Done")
    preview = messages[-1]
    text = plain(preview["text"])
    assert "Bins & Recycling" in text and "2 questions" in text
    assert "▫️ Thursday" in text and "Answered by typing a short text." in text
    assert "/survey open bins-recycling" in text
    await harness.press_label(admin, preview, "💾 Save")
    [definition] = await rows(harness, "SELECT body FROM survey_definitions")
    body = json.loads(definition[0])
    assert body["name"] == "bins-recycling"
    assert [q["kind"] for q in body["questions"]] == ["choice", "text"]


async def test_cancel_keeps_nothing(harness, admin):
    await harness.send(admin, "/survey new")
    await harness.send(admin, "Lifts")
    [kinds] = await harness.send(admin, "Does the lift work?")
    messages, _ = await harness.press_label(admin, kinds, "✖️ Cancel")
    assert "nothing was saved" in plain(messages[-1]["text"])
    assert await count(harness, "SELECT count(*) FROM survey_drafts") == 0
    [hint] = await harness.send(admin, "hello")  # no longer answering the flow
    assert "Question" not in plain(hint["text"])


# ------------------------------------------------------------------------------ answering
async def press_start(harness, user, wave_id):
    invitation = next(
        m
        for m in reversed(harness.api.bot_messages(user["id"]))
        if b.SurveyStart(wave_id).pack() in str(m.get("reply_markup"))
    )
    messages, _ = await harness.press(user, invitation, b.SurveyStart(wave_id).pack())
    return invitation, messages[-1]


async def answer_laundry(harness, user, wave_id, day, clean, typed):
    """Start, pick a day (1 or 2), a 1-5 value, then type (or skip with None)."""
    _inv, question = await press_start(harness, user, wave_id)
    messages, _ = await harness.press(user, question, b.SurveyAnswer(wave_id, 0, day).pack())
    question = messages[-1]
    messages, _ = await harness.press(user, question, b.SurveyAnswer(wave_id, 1, clean).pack())
    question = messages[-1]
    assert "What would you change?" in plain(question["text"])  # the file's only language
    if typed is None:
        messages, _ = await harness.press(user, question, b.SurveyAnswer(wave_id, 2, SKIP).pack())
        return messages[-1]
    sent = await harness.send(user, typed)
    return sent[-1]


async def test_residents_answer_choice_scale_and_text_and_see_it_in_their_language(harness, admin):
    freeze(harness)
    await saved(harness, admin)
    maple = await building(harness)
    people = await residents(harness, maple, 6, first_id=8700, locales=("en", "es"))
    [opened] = await harness.send(admin, "/survey open laundry 7 all")
    assert "Wave #1" in plain(opened["text"])
    invitation = harness.api.bot_messages(people[1]["id"])[-1]
    assert "La lavanderia" in plain(invitation["text"])  # Spanish given in the file
    assert "3" in plain(invitation["text"])
    _inv, first = await press_start(harness, people[1], 1)
    assert tr("es", "{n} of {total}", n=1, total=3) in plain(first["text"])
    assert "Que dia la usas?" in plain(first["text"])
    assert [row[0]["text"] for row in first["reply_markup"]["inline_keyboard"]] == [
        "Weekdays",
        "Weekends",
        tr("es", "Skip"),
    ]
    # an English resident: the choice, the scale, then a typed answer
    thanks = await answer_laundry(harness, people[0], 1, 2, 4, "A second dryer, please")
    assert "🙏" in plain(thanks["text"])
    write = b.SurveyWrite(1, 2).pack()
    mine = [
        m for m in harness.api.bot_messages(people[0]["id"]) if write in str(m.get("reply_markup"))
    ]
    assert "A second dryer, please" in plain(mine[-1]["text"])
    # changed until close: ✏️, then type again (replaced, not added)
    question = mine[-1]
    messages, _ = await harness.press_label(people[0], question, "✏️ Change my answer")
    assert "Type your answer" in plain(messages[-1]["text"])
    await harness.send(people[0], "Two dryers")
    texts = await rows(harness, "SELECT text FROM survey_answers WHERE text IS NOT NULL")
    assert [t[0] for t in texts] == ["Two dryers"]
    # a typed answer where buttons are expected is not an answer; a too long one is refused
    _inv, q1 = await press_start(harness, people[2], 1)
    await harness.press(people[2], q1, b.SurveyAnswer(1, 0, 1).pack())
    [hint] = await harness.send(people[2], "Mondays")
    assert "Your answer" not in plain(hint["text"])
    assert await count(harness, "SELECT count(*) FROM survey_answers WHERE text = 'Mondays'") == 0
    # a value beyond the options is refused (forged)
    _m, answers = await harness.press(people[3], q1, b.SurveyAnswer(1, 0, 3).pack())
    assert answers


async def test_results_show_typed_answers_without_names_only_from_k(harness, admin):
    freeze(harness)
    await saved(harness, admin)
    maple = await building(harness)
    people = await residents(harness, maple, 10, first_id=8800)
    await harness.send(admin, "/survey open laundry 7 all")
    for i, person in enumerate(people):
        day, clean = (1 if i < 5 else 2), (4 if i < 8 else 2)
        await answer_laundry(harness, person, 1, day, clean, f"Idea number {i}")
    await harness.send(admin, "/survey close 1")
    [results, chart, document] = await harness.send(admin, "/survey results 1")
    assert "photo" in chart  # the choice and 1-5 questions as bars; typed answers are words
    text = plain(results["text"])
    assert "Residents who answered: 10" in text
    assert "• Weekdays: 5" in text and "• Weekends: 5" in text
    unseen = plain(shown_count(None, K))  # small, hidden with it and empty all look alike
    assert unseen == plain(shown_count(-1, K)) == plain(shown_count(0, K))
    assert f"1: {unseen} · 2: {unseen} · 3: {unseen} · 4: {unseen} · 5: {unseen}" in text
    # one cell of the scale is small: the mean would give it back with the total
    assert "Mean: not shown" in text
    assert f"Answered: 10 · no answer: {unseen}" in text
    for i in range(10):
        assert f"— Idea number {i}" in text
    for person in people:  # no name, no id near the words
        assert person["first_name"] not in text and str(person["id"]) not in text
    assert "Agency index" not in text
    content = harness.api.world.files[document["document"]["file_id"]]["content"].decode()
    assert "Idea number 3" in content

    # a second wave where only three type something: the words are not shown
    await harness.send(admin, "/survey open laundry 7 all")
    people = people[:6]
    for i, person in enumerate(people):
        await answer_laundry(harness, person, 2, 1, 3, "Short" if i < 3 else None)
    await services_of(harness).surveys.close(None, 2)  # its time came (heavy commands are few)
    [results, _chart, _doc] = await harness.send(admin, "/survey results 2")
    text = plain(results["text"])
    assert "The answers are not shown, so that small groups stay hidden." in text
    assert "— Short" not in text
    assert "Mean: 3.0 (from 1 to 5)" in text  # every cell shown (6 threes)


async def test_open_an_unknown_custom_survey(harness, admin):
    [bad] = await harness.send(admin, "/survey open laundry")
    assert "I don't know a survey called laundry" in plain(bad["text"])
    [example] = await harness.send(admin, "/survey example")
    assert example["document"]["file_name"] == "survey-example.yaml"
