"""Announcements as their authors, approvers, translators and residents see them: the draft
card with its coverage, the message residents get (split to Telegram's limits), the progress
of a send, the report and the list."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, language_name, ngettext
from bot.services.announcements import Audience, Coverage, Report
from bot.services.text import split_text
from bot.storage.announcements import AnnouncementRow
from bot.storage.buildings import Building
from bot.views import buttons as b
from bot.views.common import esc, note_if_hidden, shown_count

When = Callable[[str], str]

TEXT_LIMIT = 4096  # Telegram's limit for a message, after entities
CAPTION_LIMIT = 1024
HEADER_ROOM = 200  # the header and "(2/3)" take at most this much of each part
PROGRESS_CELLS = 10

STATES = {
    "draft": N_("draft"),
    "awaiting_approval": N_("waiting for a second approval"),
    "scheduled": N_("scheduled"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "cancelled": N_("cancelled"),
}
DELIVERY_STATES = {
    "sent": N_("delivered"),
    "queued": N_("waiting"),
    "sending": N_("being sent"),
    "failed": N_("failed"),
    "unreachable": N_("unreachable"),
    "skipped": N_("skipped"),
}
SKIPS = {
    "paused": N_("paused announcements"),
    "unreachable": N_("blocked the bot"),
    "banned": N_("blocked by a steward"),
    "pending": N_("sign-up not approved yet"),
    "rejected": N_("sign-up turned down"),
    "no_translation": N_("no text in their language"),
    "cancelled": N_("send cancelled"),
    "consent_refused": N_("said no to the privacy terms"),
}
TENURE_LABELS = {
    "renter": N_("renters"),
    "owner": N_("owners"),
    "other": N_("other arrangements"),
    "undisclosed": N_("tenure not given"),
}
AFFORDABILITY_LABELS = {
    "assisted": N_("assisted or subsidised units"),
    "market": N_("market-rate units"),
    "unknown": N_("kind of unit not known"),
    "undisclosed": N_("kind of unit not given"),
}
ROLE_LABELS = {
    "resident": N_("residents without a role"),
    "steward": N_("stewards"),
    "organiser": N_("organisers"),
}


count = shown_count  # a count as shown, small groups hidden
SHORT_QUOTE = 1500  # how much of a long text a notice quotes


def people(n: int | None, min_group: int) -> str:
    """ "41 residents", or "fewer than 5 residents" for a small group."""
    if n is None:
        return _("fewer than {k} residents").format(k=min_group)
    return ngettext("{n} resident", "{n} residents", n).format(n=n)


def quote(text: str) -> str:
    """A steward's text quoted in a notice: escaped, and cut (between words) when long."""
    if len(text) > SHORT_QUOTE:
        text = text[:SHORT_QUOTE].rsplit(" ", 1)[0] + " …"
    return f"<blockquote>{esc(text)}</blockquote>"


def audience_text(audience: dict, buildings: dict[int, str]) -> str:
    aud = Audience.from_dict(audience)
    if aud.buildings is None:
        where = _("every building")
    else:
        where = ", ".join(esc(buildings.get(i, f"#{i}")) for i in aud.buildings)
    parts = [where]
    if aud.locales:
        parts.append(", ".join(language_name(loc) for loc in aud.locales))
    if aud.tenures:
        parts.append(", ".join(_(TENURE_LABELS[t]) for t in aud.tenures))
    if aud.affordabilities:
        parts.append(", ".join(_(AFFORDABILITY_LABELS[a]) for a in aud.affordabilities))
    if aud.roles:
        parts.append(", ".join(_(ROLE_LABELS[r]) for r in aud.roles))
    if aud.events:
        parts.append(
            _("who answered event {events}").format(events=", ".join(f"#{e}" for e in aud.events))
        )
    if aud.surveys:
        parts.append(
            _("who answered survey wave {waves}").format(
                waves=", ".join(str(w) for w in aud.surveys)
            )
        )
    return " · ".join(parts)


def usage_text() -> str:
    return _(
        "Send /announce to be guided, or write it in one line: "
        "<code>/announce 2,5 | Your text</code>, where 2,5 are building numbers from "
        "/building list (or <code>all</code>), optionally followed by filters such as "
        "<code>lang:es</code>, <code>tenure:renter</code> or <code>role:steward</code>."
    )


# ---------------------------------------------------------------------------- audience step
def audience_rows(
    audience: dict,
    buildings: list[Building],
    everyone_allowed: bool,
    building_button: Callable[[int], b.Button],
    filter_button: Callable[[str, str], b.Button],
) -> list[list[InlineKeyboardButton]]:
    """The audience picker's toggles (buildings, then languages, tenures, kinds of unit and
    roles), for an announcement's or a poll's buttons."""
    aud = Audience.from_dict(audience)
    chosen = set(aud.buildings or ())
    rows = []
    if everyone_allowed:
        mark = "✅" if aud.buildings is None else "⬜"
        rows.append(
            [
                InlineKeyboardButton(
                    f"{mark} {_('Every building')}", callback_data=building_button(0).pack()
                )
            ]
        )
    for building in buildings:
        mark = "✅" if building.id in chosen else "⬜"
        rows.append(
            [
                InlineKeyboardButton(
                    f"{mark} {building.name}", callback_data=building_button(building.id).pack()
                )
            ]
        )
    for kind, values, label in (
        ("lang", [(loc, language_name(loc)) for loc in b.LOCALE], aud.locales),
        ("tenure", [(t, _(TENURE_LABELS[t])) for t in TENURE_LABELS], aud.tenures),
        (
            "afford",
            [(a, _(AFFORDABILITY_LABELS[a])) for a in AFFORDABILITY_LABELS],
            aud.affordabilities,
        ),
        ("role", [(r, _(ROLE_LABELS[r])) for r in ROLE_LABELS], aud.roles),
    ):
        row = []
        for value, name in values:
            mark = "✅ " if value in label else ""
            row.append(
                InlineKeyboardButton(mark + name, callback_data=filter_button(kind, value).pack())
            )
        rows += [row[i : i + 3] for i in range(0, len(row), 3)]
    return rows


def audience_hint() -> str:
    return _(
        "Pick buildings; the other buttons narrow it down to some languages, tenures or "
        "roles (nothing picked: everyone)."
    )


def audience_picker(
    ann: AnnouncementRow, buildings: list[Building], everyone_allowed: bool
) -> tuple[str, InlineKeyboardMarkup]:
    text = _("<b>Announcement #{id}</b>: who should get it?").format(id=ann.id)
    rows = audience_rows(
        ann.audience,
        buildings,
        everyone_allowed,
        lambda building_id: b.AnnBuilding(ann.id, building_id),
        lambda kind, value: b.AnnFilter(ann.id, kind, value),
    )
    text += "\n" + audience_hint()
    rows.append(
        [
            InlineKeyboardButton(_("Next ▶️"), callback_data=b.AnnAudienceDone(ann.id).pack()),
            InlineKeyboardButton(
                _("✖ Cancel"), callback_data=b.AnnControl(ann.id, "cancel").pack()
            ),
        ]
    )
    return text, InlineKeyboardMarkup(rows)


def write_prompt(ann_id: int, locale: str) -> str:
    return _(
        "Write announcement #{id} in {language}, as residents should read it. You can send a "
        "photo or a document with the text as its caption."
    ).format(id=ann_id, language=language_name(locale, in_sentence=True))


def cancel_keyboard(ann_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("◀️ Back"), callback_data=b.AnnCard(ann_id).pack())]]
    )


# ---------------------------------------------------------------------------- the draft card
def card(
    ann: AnnouncementRow,
    coverage: Coverage,
    texts: dict,
    buildings: dict[int, str],
    *,
    min_group: int,
    threshold: int,
    quiet: str | None,
    when: When,
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        _("<b>Announcement #{id}</b> ({state})").format(id=ann.id, state=_(STATES[ann.state])),
        _("To: {audience}").format(audience=audience_text(ann.audience, buildings)),
    ]
    source = texts.get(ann.source_locale)
    if source is not None:
        preview = source.body if len(source.body) <= 300 else source.body[:300] + "…"
        lines += ["", f"<blockquote>{esc(preview)}</blockquote>"]
    if ann.attachment:
        lines.append(_("With a photo or document."))
    lines += ["", _("<b>Languages</b>")]
    for locale, n in coverage.by_locale.items():
        how_many = count(n, min_group)
        status = coverage.status.get(locale, "missing")
        if status == "written":
            line = _("{language}: {count} ✓").format(language=language_name(locale), count=how_many)
        elif status == "waiting":
            line = _("{language}: {count}, a translation waits for your approval").format(
                language=language_name(locale), count=how_many
            )
        elif ann.fallback:
            line = _("{language}: missing, {count} will get {source}").format(
                language=language_name(locale),
                count=how_many,
                source=language_name(ann.source_locale, in_sentence=True),
            )
        else:
            line = _("{language}: missing, {count} will wait for a translation").format(
                language=language_name(locale), count=how_many
            )
        lines.append("• " + line)
    if not coverage.by_locale:
        lines.append(_("Nobody in this audience yet."))
    lines.append("")
    lines.append(
        _("It will go to {people}.").format(people=people(coverage.shown_total, min_group))
    )
    if coverage.shown_skipped:
        lines.append(
            _("Not sent to: {reasons}.").format(
                reasons=", ".join(
                    f"{_(SKIPS.get(k, k))} {count(v, min_group)}"
                    for k, v in coverage.shown_skipped.items()
                )
            )
        )
    if threshold and coverage.sending > threshold and ann.state == "draft":
        lines.append(
            _("More than {n} residents: a second steward or organiser approves it first.").format(
                n=threshold
            )
        )
    if quiet and not ann.urgent and ann.state == "draft":
        lines.append(
            _("Quiet hours now: sent now, it waits until {time}, unless marked urgent.").format(
                time=quiet
            )
        )
    if ann.state == "scheduled" and ann.send_at:
        lines.append(_("It goes at {time}.").format(time=when(ann.send_at)))
    return "\n".join(note_if_hidden(lines, min_group)), card_keyboard(ann, coverage, texts)


def card_keyboard(ann: AnnouncementRow, coverage: Coverage, texts: dict) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if ann.state != "draft":
        scheduled = ann.state == "scheduled"
        return cancel_only_keyboard(ann.id) if scheduled else InlineKeyboardMarkup([])
    previews = [
        InlineKeyboardButton(
            f"👁 {language_name(loc)}", callback_data=b.AnnPreview(ann.id, loc).pack()
        )
        for loc in sorted(texts)
    ]
    rows += [previews[i : i + 3] for i in range(0, len(previews), 3)]
    waiting = [loc for loc, s in coverage.status.items() if s == "waiting"]
    for loc in waiting:
        rows.append(
            [
                InlineKeyboardButton(
                    _("✓ Use the {language} translation").format(
                        language=language_name(loc, in_sentence=True)
                    ),
                    callback_data=b.AnnApproveText(ann.id, loc).pack(),
                ),
                InlineKeyboardButton(
                    _("✖ Discard"), callback_data=b.AnnDropText(ann.id, loc).pack()
                ),
            ]
        )
    missing = [loc for loc, s in coverage.status.items() if s == "missing"]
    adds = [
        InlineKeyboardButton(
            f"➕ {language_name(loc)}", callback_data=b.AnnWrite(ann.id, loc).pack()
        )
        for loc in missing
    ]
    rows += [adds[i : i + 3] for i in range(0, len(adds), 3)]
    if missing:
        rows.append(
            [
                InlineKeyboardButton(
                    _("🌐 Ask translators"), callback_data=b.AnnAskTranslators(ann.id).pack()
                ),
                InlineKeyboardButton(
                    _("Missing: send {language}").format(
                        language=language_name(ann.source_locale, in_sentence=True)
                    )
                    if ann.fallback
                    else _("Missing: wait"),
                    callback_data=b.AnnFallback(ann.id).pack(),
                ),
            ]
        )
    if ann.state == "draft":
        rows.append(
            [
                InlineKeyboardButton(
                    _("⚡ Urgent: yes") if ann.urgent else _("Urgent: no"),
                    callback_data=b.AnnUrgent(ann.id).pack(),
                ),
                InlineKeyboardButton(
                    _("✏️ Text"), callback_data=b.AnnWrite(ann.id, ann.source_locale).pack()
                ),
                InlineKeyboardButton(_("👥 Audience"), callback_data=b.AnnAudience(ann.id).pack()),
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(_("📣 Send now"), callback_data=b.AnnSend(ann.id).pack()),
                InlineKeyboardButton(_("🕘 Schedule"), callback_data=b.AnnSchedule(ann.id).pack()),
            ]
        )
    rows.append(
        [InlineKeyboardButton(_("✖ Cancel"), callback_data=b.AnnControl(ann.id, "cancel").pack())]
    )
    return InlineKeyboardMarkup(rows)


def schedule_choice(ann_id: int) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            InlineKeyboardButton(_("In 1 hour"), callback_data=b.AnnWhen(ann_id, "1h").pack()),
            InlineKeyboardButton(_("In 3 hours"), callback_data=b.AnnWhen(ann_id, "3h").pack()),
        ],
        [InlineKeyboardButton(_("Tomorrow 9:00"), callback_data=b.AnnWhen(ann_id, "9am").pack())],
        [
            InlineKeyboardButton(
                _("⌨️ Type a date and time"), callback_data=b.AnnWhenTyped(ann_id).pack()
            )
        ],
        [InlineKeyboardButton(_("◀️ Back"), callback_data=b.AnnCard(ann_id).pack())],
    ]
    return _("When should announcement #{id} go?").format(id=ann_id), InlineKeyboardMarkup(rows)


def cancel_only_keyboard(ann_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("✖ Cancel"), callback_data=b.AnnControl(ann_id, "cancel").pack())]]
    )


def when_prompt() -> str:
    return _(
        "Write the date and time in the community's time zone, for example "
        "<code>2026-12-01 18:30</code>, or just <code>18:30</code>."
    )


def scheduled_text(ann_id: int, at: str, quiet: bool) -> str:
    if quiet:
        return _(
            "Announcement #{id} waits for the end of quiet hours: it goes at {time}. Mark it "
            "urgent to send it now."
        ).format(id=ann_id, time=at)
    return _("Announcement #{id} will go at {time}.").format(id=ann_id, time=at)


def approval_asked_text(ann_id: int, n: int) -> str:
    return _(
        "Announcement #{id} goes to more than {n} residents, so a second steward or organiser "
        "approves it first. I have asked them; you will hear when it goes."
    ).format(id=ann_id, n=n)


def approval_request(
    ann: AnnouncementRow, author: str, body: str, audience: str, sending: int | None, k: int
) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "{author} wants to send announcement #{id} to {people} ({audience}). Please read "
        "it and approve it if it is right:"
    ).format(author=esc(author), id=ann.id, people=people(sending, k), audience=audience)
    text += "\n\n" + quote(body)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ Approve and send"), callback_data=b.AnnApproveSend(ann.id).pack()
                )
            ]
        ]
    )
    return text, keyboard


def going_text(ann_id: int, n: int | None, k: int) -> str:
    return _("Announcement #{id} is going out now, to {people}.").format(
        id=ann_id, people=people(n, k)
    )


def cancelled_text(ann_id: int) -> str:
    return _("Announcement #{id} is cancelled.").format(id=ann_id)


# ---------------------------------------------------------------------------- what residents get
def resident_parts(
    ann_id: int, building: str, body: str, *, attachment: bool
) -> tuple[list[str], str | None]:
    """The texts of the messages a resident gets (header included, each within Telegram's
    limit), and the caption of the attachment if there is one."""
    header = _("📣 <b>{building}</b> · announcement #{id}").format(
        building=esc(building), id=ann_id
    )
    pieces = split_text(body, TEXT_LIMIT, reserve=HEADER_ROOM)
    if len(pieces) == 1:
        texts = [f"{header}\n\n{esc(pieces[0])}"]
    else:
        texts = [
            f"{header} ({i}/{len(pieces)})\n\n{esc(piece)}"
            for i, piece in enumerate(pieces, start=1)
        ]
    return texts, (header if attachment else None)


def resident_keyboard(ann_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("👍 Got it"), callback_data=b.AnnGotIt(ann_id).pack()),
                InlineKeyboardButton(
                    _("❓ I have a question"), callback_data=b.AnnQuestion(ann_id).pack()
                ),
            ]
        ]
    )


def edited_mark() -> str:
    return _("(edited)")


def thanks_text() -> str:
    return _("Thank you!")


def question_prompt(building: str) -> str:
    return _(
        "Write your question. The stewards of {building} will get it and can answer you here."
    ).format(building=esc(building))


def question_sent_text() -> str:
    return _("Your question is with the stewards. Their answer will come here.")


def question_notice(
    ann_id: int, name: str, building: str, unit: str, text: str, question_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    message = _(
        "❓ A question from {name} ({building}, unit {unit}) about announcement #{id}:"
    ).format(name=esc(name), building=esc(building), unit=esc(unit), id=ann_id)
    message += f"\n\n<blockquote>{esc(text)}</blockquote>"
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("↩️ Answer"), callback_data=b.AnnAnswer(question_id).pack())]]
    )
    return message, keyboard


def answer_prompt() -> str:
    return _("Write your answer; it goes to the resident in a private message from me.")


def answer_notice(ann_id: int, text: str) -> str:
    message = _("↩️ Your stewards answered your question about announcement #{id}:").format(
        id=ann_id
    )
    return f"{message}\n\n<blockquote>{esc(text)}</blockquote>"


def answer_sent_text() -> str:
    return _("Sent. Thank you for answering.")


# ---------------------------------------------------------------------------- progress
def progress_text(
    ann_id: int, counts: dict[str, int], job_state: str, rate: float | None, *, small: bool = False
) -> str:
    """The author's live view of a send (``small``: the audience is a small group, so only
    the share done is shown, never how many)."""
    total = sum(counts.values())
    skipped = counts.get("skipped", 0)
    to_send = total - skipped
    done = counts.get("sent", 0) + counts.get("failed", 0) + counts.get("unreachable", 0)
    left = counts.get("queued", 0) + counts.get("sending", 0)
    filled = round(PROGRESS_CELLS * done / to_send) if to_send else PROGRESS_CELLS
    bar = "▓" * filled + "░" * (PROGRESS_CELLS - filled)
    lines = [_("📣 Announcement #{id}").format(id=ann_id)]
    if small:
        lines.append(f"{bar} {round(100 * done / to_send) if to_send else 100}%")
    else:
        lines += [
            f"{bar} {done}/{to_send}",
            _("Delivered: {sent} · failed: {failed} · unreachable: {unreachable}").format(
                sent=counts.get("sent", 0),
                failed=counts.get("failed", 0),
                unreachable=counts.get("unreachable", 0),
            ),
        ]
    if job_state == "paused":
        lines.append(_("⏸ Paused."))
    elif job_state == "cancelled":
        lines.append(_("✖ Cancelled: what was not sent yet will not be."))
    elif left and rate:
        lines.append(_("About {seconds} s left.").format(seconds=max(1, round(left / rate))))
    elif not left:
        lines.append(_("✅ Done."))
    return "\n".join(lines)


def progress_keyboard(ann_id: int, job_state: str, left: int) -> InlineKeyboardMarkup | None:
    if job_state == "cancelled" or not left:
        return None
    toggle = (
        InlineKeyboardButton(_("▶️ Resume"), callback_data=b.AnnControl(ann_id, "resume").pack())
        if job_state == "paused"
        else InlineKeyboardButton(_("⏸ Pause"), callback_data=b.AnnControl(ann_id, "pause").pack())
    )
    return InlineKeyboardMarkup(
        [
            [
                toggle,
                InlineKeyboardButton(
                    _("✖ Cancel"), callback_data=b.AnnControl(ann_id, "cancel").pack()
                ),
            ]
        ]
    )


def finished_notice(ann_id: int, counts: dict[str, int], *, small: bool = False) -> str:
    if small:
        return _("Announcement #{id} has been sent. See /report {id} for the details.").format(
            id=ann_id
        )
    return _(
        "Announcement #{id} has been sent: {sent} delivered, {failed} failed, {unreachable} "
        "unreachable. See /report {id} for the details."
    ).format(
        id=ann_id,
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        unreachable=counts.get("unreachable", 0),
    )


# ---------------------------------------------------------------------------- report and list
def report_text(report: Report, buildings: dict[int, str], min_group: int, when: When) -> str:
    ann = report.announcement
    lines = [
        _("<b>Report on announcement #{id}</b> ({state})").format(
            id=ann.id, state=_(STATES[ann.state])
        ),
        _("To: {audience}").format(audience=audience_text(ann.audience, buildings)),
    ]
    if ann.sent_at:
        lines.append(_("Sent: {time}").format(time=when(ann.sent_at)))
    lines.append(
        " · ".join(
            f"{_(DELIVERY_STATES.get(state, state))}: {n}"
            for state, n in sorted(report.by_state.items())
        )
    )
    if report.skipped:
        lines.append(
            _("Not sent to: {reasons}.").format(
                reasons=", ".join(f"{_(SKIPS.get(k, k))} {v}" for k, v in report.skipped.items())
            )
        )
    lines += ["", _("<b>By language</b>")]
    for locale, states in report.by_locale.items():
        lines.append(
            f"• {language_name(locale) if locale in b.LOCALE else '?'}: "
            + ", ".join(
                f"{_(DELIVERY_STATES.get(s, s))} {count(n, min_group)}"
                for s, n in sorted(states.items())
            )
        )
    lines += ["", _("<b>By building</b>")]
    for building_id, states in report.by_building.items():
        lines.append(
            f"• {esc(buildings.get(building_id, f'#{building_id}'))}: "
            + ", ".join(
                f"{_(DELIVERY_STATES.get(s, s))} {count(n, min_group)}"
                for s, n in sorted(states.items())
            )
        )
    lines += [
        "",
        _("👍 Got it: {got} · ❓ questions: {questions}").format(
            got=report.replies.get("got_it", 0), questions=report.replies.get("question", 0)
        ),
    ]
    return "\n".join(note_if_hidden(lines, min_group))


def list_text(anns: list[AnnouncementRow], buildings: dict[int, str], when: When) -> str:
    if not anns:
        return _("No announcements yet. Send /announce to write one.")
    lines = [_("<b>Recent announcements</b>")]
    for ann in anns:
        lines.append(
            _("#{id} · {time} · {state} · {audience}").format(
                id=ann.id,
                time=when(ann.created_at),
                state=_(STATES[ann.state]),
                audience=audience_text(ann.audience, buildings),
            )
        )
    lines.append(_("/report followed by a number shows how one went."))
    return "\n".join(lines)


def edit_choice(ann_id: int, locales: list[str]) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        InlineKeyboardButton(language_name(loc), callback_data=b.AnnEdit(ann_id, loc).pack())
        for loc in locales
    ]
    return (
        _(
            "Which language of announcement #{id} do you want to change? Every copy already sent "
            "in it is updated."
        ).format(id=ann_id),
        InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)]),
    )


def edit_prompt(ann_id: int, locale: str) -> str:
    return _("Write the new text of announcement #{id} in {language}.").format(
        id=ann_id, language=language_name(locale, in_sentence=True)
    )


def edit_queued_text(ann_id: int, n: int) -> str:
    return ngettext(
        "Saved. {n} copy of announcement #{id} is being updated.",
        "Saved. {n} copies of announcement #{id} are being updated.",
        n,
    ).format(n=n, id=ann_id)


def editannounce_usage() -> str:
    return _("For example: /editannounce 12 (the number from /announcements)")


def report_usage() -> str:
    return _("For example: /report 12 (the number from /announcements)")


# ---------------------------------------------------------------------------- translators
def translators_asked_text(n: int) -> str:
    return ngettext(
        "I asked {n} translator. Their text will come to you to approve.",
        "I asked {n} translators. Their texts will come to you to approve.",
        n,
    ).format(n=n)


def no_translators_text() -> str:
    return _(
        "Nobody has the translator role for this audience yet. An organiser can give it with "
        "/translator @name."
    )


def translation_request(ann_id: int, languages: list[str]) -> str:
    return _(
        "Announcement #{id} needs a translation into {languages}. Send /translate to write it."
    ).format(id=ann_id, languages=", ".join(language_name(loc) for loc in languages))


def translate_list(
    wanted: list[tuple[AnnouncementRow, list[str]]],
) -> tuple[str, InlineKeyboardMarkup]:
    if not wanted:
        return _("Nothing to translate right now. Thank you!"), InlineKeyboardMarkup([])
    rows = []
    for ann, missing in wanted:
        rows += [
            [
                InlineKeyboardButton(
                    f"#{ann.id} → {language_name(loc)}",
                    callback_data=b.TranslatePick(ann.id, loc).pack(),
                )
            ]
            for loc in missing
        ]
    return _("These announcements need a translation. Pick one:"), InlineKeyboardMarkup(rows)


def translate_prompt(ann_id: int, locale: str, source: str) -> str:
    return (
        _("Translate announcement #{id} into {language}:").format(
            id=ann_id, language=language_name(locale, in_sentence=True)
        )
        + "\n\n"
        + quote(source)
        + "\n\n"
        + _("Write the translation as your next message.")
    )


def translation_sent_text() -> str:
    return _("Thank you! The author will look at it before it is sent.")


def translation_notice(ann_id: int, locale: str, text: str) -> tuple[str, InlineKeyboardMarkup]:
    message = _("A translation of announcement #{id} into {language} is ready:").format(
        id=ann_id, language=language_name(locale, in_sentence=True)
    )
    message += "\n\n" + quote(text)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✓ Use it"), callback_data=b.AnnApproveText(ann_id, locale).pack()
                ),
                InlineKeyboardButton(
                    _("✖ Discard"), callback_data=b.AnnDropText(ann_id, locale).pack()
                ),
            ]
        ]
    )
    return message, keyboard


def translator_usage() -> str:
    return _(
        "For example: /translator @amina (every building), /translator @amina 2 (building 2), "
        "or /translator remove @amina"
    )


def translators_text(rows: list[tuple[str, str | None]]) -> str:
    if not rows:
        return _("Nobody has the translator role yet.") + "\n" + translator_usage()
    lines = [_("<b>Translators</b>")]
    lines += [
        f"• {esc(name)}: {esc(where) if where else _('every building')}" for name, where in rows
    ]
    return "\n".join(lines)


def translator_done(granted: bool) -> str:
    return _("Done: they are a translator now.") if granted else _("Done: the role is taken away.")
