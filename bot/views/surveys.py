"""Surveys: the invitation, one question per message, the thanks, the reminder, and what
stewards and organisers see (/survey list, open, close, results). Counts by group arrive
here already through ``smallgroups.hide_small``; ``shown_count`` renders them."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, current_locale, language_name, ngettext
from bot.services.survey_definitions import (
    ANSWER_MAX,
    MAX_ERRORS,
    MAX_OPTIONS,
    MAX_QUESTIONS,
    MIN_OPTIONS,
    OPTION_MAX,
    Definition,
    FileError,
    pick,
)
from bot.services.surveys import AGENCY, SKIP, SURVEYS, YES_NO, Rate, Results
from bot.storage.surveys import WaveRow
from bot.views import buttons as b
from bot.views import charts
from bot.views.announce import TENURE_LABELS
from bot.views.common import esc, note_if_hidden, shown_count, shown_total

When = Callable[[str], str]

QUESTIONS = {
    "say": N_("I have a say in decisions about my building."),
    "belong": N_("I feel I belong here."),
    "mix": N_("I know neighbours from different backgrounds."),
    "changes": N_("Residents' views lead to changes here."),
    "safe": N_("I feel safe taking part in building meetings."),
    "activity": N_("I took part in a community activity this month."),
}
SURVEY_NAMES = {"agency": N_("Having a say and belonging")}
AFFORDABILITY_LABELS = {
    "assisted": N_("assisted or subsidised units"),
    "market": N_("market-rate units"),
    "unknown": N_("don't know"),
    "undisclosed": N_("not given"),
}
DIMENSION_TITLES = {
    "building": N_("By building"),
    "tenure": N_("By tenure"),
    "affordability": N_("By affordability"),
    "language": N_("By language"),
}


def value_label(question: str, value: str) -> str:
    if value == "skip":
        return _("no answer")
    if question in YES_NO:
        return _("Yes, I did") if value == "5" else _("Not this month") if value == "1" else value
    return value


# ------------------------------------------------------------------------------ residents
def invitation(
    wave_id: int, closes: str, min_group: int, definition: Definition | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    if definition is None:
        intro = _("📋 <b>A short survey</b> · wave #{wave}").format(wave=wave_id) + "\n\n"
        intro += _(
            "Six quick questions about living here: whether you have a say, and whether you "
            "feel you belong. It takes about a minute, and you can skip any question."
        )
    else:
        title = pick(definition.title, current_locale(), definition.language)
        n = len(definition.questions)
        intro = _("📋 <b>{title}</b> · a survey, wave #{wave}").format(
            title=esc(title), wave=wave_id
        )
        intro += "\n\n" + ngettext(
            "One quick question; you can skip it.",
            "{n} quick questions; you can skip any of them.",
            n,
        ).format(n=n)
    text = (
        intro
        + "\n\n"
        + _(
            "Your answers are kept without your name. Nobody, not even the stewards, sees how "
            "you answered: only totals for groups of at least {k} residents."
        ).format(k=min_group)
        + "\n\n"
        + _("Open until {date}.").format(date=closes)
    )
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("▶️ Start"), callback_data=b.SurveyStart(wave_id).pack())]]
    )
    return text, keyboard


def reminder(wave_id: int, closes: str) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "⏰ The survey (wave #{wave}) closes on {date}. If you have a minute, your answers "
        "still count."
    ).format(wave=wave_id, date=closes)
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("▶️ Continue"), callback_data=b.SurveyStart(wave_id).pack())]]
    )
    return text, keyboard


def question(
    wave: WaveRow,
    index: int,
    chosen: int | str | None = None,
    answered: bool = False,
    definition: Definition | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """One question, with its progress; the chosen answer (if any) marked ✅."""
    if definition is not None:
        return custom_question(wave, index, chosen, answered, definition)
    questions = SURVEYS[wave.survey]
    key = questions[index]
    lines = [
        _("{n} of {total}").format(n=index + 1, total=len(questions)),
        f"<b>{_(QUESTIONS[key])}</b>",
    ]
    if key not in YES_NO:
        lines.append(_("1 = strongly disagree, 5 = strongly agree"))

    def mark(label: str, value: int) -> str:
        return f"✅ {label}" if answered and chosen == value else label

    def press(value: int) -> str:
        return b.SurveyAnswer(wave.id, index, value).pack()

    if key in YES_NO:
        row = [
            InlineKeyboardButton(mark(_("Yes, I did"), 5), callback_data=press(5)),
            InlineKeyboardButton(mark(_("Not this month"), 1), callback_data=press(1)),
        ]
    else:
        row = [InlineKeyboardButton(mark(str(v), v), callback_data=press(v)) for v in range(1, 6)]
    skip = InlineKeyboardButton(mark(_("Skip"), SKIP), callback_data=press(SKIP))
    return "\n".join(lines), InlineKeyboardMarkup([row, [skip]])


def custom_question(
    wave: WaveRow,
    index: int,
    chosen: int | str | None,
    answered: bool,
    definition: Definition,
) -> tuple[str, InlineKeyboardMarkup]:
    """A question of an organiser's own survey, in the reader's language (else the survey's):
    options as buttons, the 1-5 scale, or a typed answer."""
    locale, source = current_locale(), definition.language
    item = definition.questions[index]
    lines = [
        _("{n} of {total}").format(n=index + 1, total=len(definition.questions)),
        f"<b>{esc(pick(item.text, locale, source))}</b>",
    ]

    def mark(label: str, value: int) -> str:
        return f"✅ {label}" if answered and chosen == value else label

    def press(value: int) -> str:
        return b.SurveyAnswer(wave.id, index, value).pack()

    rows: list[list[InlineKeyboardButton]] = []
    if item.kind == "likert":
        lines.append(_("1 = strongly disagree, 5 = strongly agree"))
        rows.append(
            [InlineKeyboardButton(mark(str(v), v), callback_data=press(v)) for v in range(1, 6)]
        )
    elif item.kind == "choice":
        for value, option in enumerate(item.options, start=1):
            label = mark(pick(option, locale, source), value)
            rows.append([InlineKeyboardButton(label, callback_data=press(value))])
    elif answered and isinstance(chosen, str):
        lines.append(_("Your answer: {text}").format(text=esc(chosen)))
        write = b.SurveyWrite(wave.id, index).pack()
        rows.append([InlineKeyboardButton(_("✏️ Change my answer"), callback_data=write)])
    else:
        lines.append(
            _("Type your answer (up to {limit} characters), or press Skip.").format(
                limit=ANSWER_MAX
            )
        )
    rows.append([InlineKeyboardButton(mark(_("Skip"), SKIP), callback_data=press(SKIP))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def write_prompt() -> str:
    return _("Type your answer (up to {limit} characters).").format(limit=ANSWER_MAX)


def saved_text() -> str:
    return _("Saved")


def thanks_text(closes: str) -> str:
    return _(
        "🙏 Thank you! Your answers are saved. Until the wave closes on {date} you can change "
        "any of them: press another button above."
    ).format(date=closes)


# ------------------------------------------------------------------------------ organisers
def usage_text() -> str:
    return _(
        "<b>Surveys</b>\n"
        "/survey list: the surveys and their waves\n"
        "/survey open agency [DAYS] [WHO]: send the agency survey (7 days unless you say; "
        "WHO as for /announce, such as <code>all</code> or <code>2,5 lang:es</code>)\n"
        "/survey open NAME [DAYS] [WHO]: send one of your own surveys\n"
        "/survey new: write your own survey, step by step (or send it as a YAML or JSON file: "
        "/survey example gives one to start from)\n"
        "/survey close WAVE: close a wave now\n"
        "/survey results WAVE: the results (a CSV file too)"
    )


def survey_title(survey: str, definition: Definition | None) -> str:
    if definition is not None:
        return pick(definition.title, current_locale(), definition.language)
    return _(SURVEY_NAMES.get(survey, survey))


def list_text(waves: list[WaveRow], when: When, surveys: list[Definition] | tuple = ()) -> str:
    titles = {d.name: d for d in surveys}
    lines = [_("<b>Surveys</b>")]
    lines.append(f"<code>agency</code> · {esc(_(SURVEY_NAMES['agency']))} · " + _("built in"))
    for definition in surveys:
        n = len(definition.questions)
        title = esc(survey_title(definition.name, definition))
        count = ngettext("{n} question", "{n} questions", n).format(n=n)
        lines.append(f"<code>{esc(definition.name)}</code> · {title} · {count}")
    lines.append("")
    if not waves:
        lines.append(_("No survey waves yet. Start one with /survey open agency."))
        return "\n".join(lines)
    lines.append(_("<b>Survey waves</b>"))
    for wave in waves:
        name = survey_title(wave.survey, titles.get(wave.survey))
        if wave.state == "open":
            state = _("open until {date}").format(date=when(wave.closes_at))
        else:
            state = _("closed on {date}").format(date=when(wave.closed_at or wave.closes_at))
        lines.append(f"#{wave.id} · {esc(name)} · {state}")
    return "\n".join(lines)


def opened_text(wave: WaveRow, invited: int | None, min_group: int, closes: str) -> str:
    return _(
        "📋 Wave #{wave} of the survey is open until {date}. Invitations are going to "
        "{count} residents; each gets one reminder before it closes."
    ).format(wave=wave.id, date=closes, count=shown_total(invited, min_group))


def closed_text(wave: WaveRow) -> str:
    return _(
        "Wave #{wave} is closed. From now on nothing ties an answer to a person. See "
        "/survey results {wave}."
    ).format(wave=wave.id)


def _index(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _rate_line(rate: Rate, label: str, k: int) -> str:
    line = _("{group}: {answered} answered, {silent} not yet").format(
        group=esc(label),
        answered=shown_count(rate.respondents, k),
        silent=shown_count(rate.not_heard, k),
    )
    if rate.percent is not None:
        line += f" ({rate.percent}%)"
    return line


def group_label(dimension: str, group: str, buildings: dict[int, str]) -> str:
    if dimension == "building":
        return buildings.get(int(group), group) if group.isdigit() else group
    if dimension == "tenure":
        return _(TENURE_LABELS.get(group, group))
    if dimension == "affordability":
        return _(AFFORDABILITY_LABELS.get(group, group))
    return language_name(group)


def results_text(results: Results, buildings: dict[int, str], k: int, when: When) -> str:
    wave = results.wave
    state = (
        _("open until {date}").format(date=when(wave.closes_at))
        if wave.state == "open"
        else _("closed on {date}").format(date=when(wave.closed_at or wave.closes_at))
    )
    lines = [
        _("📊 <b>{name}</b> · wave #{wave} · {state}").format(
            name=esc(survey_title(wave.survey, results.definition)), wave=wave.id, state=state
        ),
        _("Residents who answered: {count}").format(count=shown_total(results.respondents, k)),
    ]
    if wave.state == "open":
        lines.append(_("The answers are shown once the wave is closed."))
    elif results.distributions is None:
        lines.append(
            _("Fewer than {k} residents answered, so the answers are not shown.").format(k=k)
        )
    elif results.definition is not None:
        lines += custom_results(results, k)
    else:
        for key, cells in results.distributions.items():
            lines.append("")
            lines.append(f"<b>{_(QUESTIONS[key])}</b>")
            values = ("1", "5", "skip") if key in YES_NO else ("1", "2", "3", "4", "5", "skip")
            lines.append(
                " · ".join(
                    f"{value_label(key, v)}: {shown_count(cells.get(v, 0), k)}" for v in values
                )
            )
    if results.definition is None:
        lines.append("")
        lines.append(_("<b>Agency index</b> (0-100, the mean of every answer)"))
    for point in results.trend:
        lines.append(
            _("Wave #{wave} ({date}): {index}, from {count} residents").format(
                wave=point.wave_id,
                date=when(point.opened_at),
                index=_index(point.index),
                count=shown_total(point.respondents, k),
            )
        )
    for dimension in ("building", "tenure", "affordability", "language"):
        rates = results.rates.get(dimension)
        if not rates:
            continue
        lines.append("")
        lines.append(f"<b>{_(DIMENSION_TITLES[dimension])}</b>")
        for rate in rates:
            label = group_label(dimension, rate.group, buildings)
            lines.append(_rate_line(rate, label, k))
    return "\n".join(note_if_hidden(lines, k))


TEXTS_BUDGET = 2000  # characters of typed answers in the message (all of them are in the CSV)
TEXT_SHOWN = 200  # characters of one typed answer in the message


def custom_results(results: Results, k: int) -> list[str]:
    """An organiser's own survey: each question's counts (a choice per option, the 1-5 scale
    with its mean, a text question's answers without names when at least k gave one)."""
    definition = results.definition
    locale, source = current_locale(), definition.language
    lines: list[str] = []
    budget = TEXTS_BUDGET
    for i, (key, cells) in enumerate(results.distributions.items()):
        item = definition.questions[i]
        lines.append("")
        lines.append(f"<b>{i + 1}. {esc(pick(item.text, locale, source))}</b>")
        no_answer = _("no answer: {count}").format(count=shown_count(cells.get("skip", 0), k))
        if item.kind == "choice":
            for value, option in enumerate(item.options, start=1):
                count = shown_count(cells.get(str(value), 0), k)
                lines.append(f"• {esc(pick(option, locale, source))}: {count}")
            lines.append(no_answer)
        elif item.kind == "likert":
            counts = " · ".join(f"{v}: {shown_count(cells.get(str(v), 0), k)}" for v in range(1, 6))
            lines.append(f"{counts} · {no_answer}")
            mean = results.means.get(key)
            if mean is None:
                lines.append(_("Mean: not shown, so that small groups stay hidden."))
            else:
                lines.append(_("Mean: {mean} (from 1 to 5)").format(mean=f"{mean:.1f}"))
        else:
            answered = shown_count(cells.get("text", 0), k)
            lines.append(_("Answered: {count}").format(count=answered) + f" · {no_answer}")
            texts = results.texts.get(key)
            if texts is None:  # too few, or hidden with a small group: the same words for both
                lines.append(_("The answers are not shown, so that small groups stay hidden."))
                continue
            left = len(texts)
            for text in texts:
                shown = text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1] + "…"
                if len(shown) > budget:
                    break
                budget -= len(shown)
                left -= 1
                lines.append(f"— {esc(shown)}")
            if left:
                lines.append(
                    ngettext(
                        "…and {n} more answer, in the CSV file.",
                        "…and {n} more answers, in the CSV file.",
                        left,
                    ).format(n=left)
                )
    return lines


# ------------------------------------------------------------------------------ the chart
CHART_QUESTIONS = 6  # an organiser's own survey: at most this many questions in the photo


def _custom_chart(results: Results, note: str) -> bytes | None:
    """An organiser's own survey: one bar chart per choice or 1-5 question (typed answers are
    words, not counts), an empty cell drawn exactly like a hidden one."""
    definition, locale = results.definition, current_locale()
    parts = []
    for i, (key, cells) in enumerate((results.distributions or {}).items()):
        item = definition.questions[i]
        if item.kind == "text" or len(parts) == CHART_QUESTIONS:
            continue
        if item.kind == "choice":
            labels = [pick(option, locale, definition.language) for option in item.options]
        else:
            labels = [str(v) for v in range(1, 6)]
        values = [cells.get(str(v), 0) for v in range(1, len(labels) + 1)]
        values.append(cells.get("skip", 0))
        parts.append(
            charts.bar_chart(
                f"{i + 1}. {pick(item.text, locale, definition.language)}",
                [*labels, _("no answer")],
                [v if v is not None and v > 0 else None for v in values],
                total=results.totals.get(key) or None,
                total_note=note,
            )
        )
    return charts.stack(*parts) if parts else None


def results_chart(results: Results, k: int) -> bytes | None:
    """The photo after the results' text: each question's answers (once the wave is closed
    and enough answered) above the agency index across waves, every label in the reader's
    language. None when there is nothing to draw; raises ``charts.ChartUnavailable`` when the
    fonts installed cannot draw the reader's script. Slow (CPU): call it in a worker thread."""
    note = _("Groups of fewer than {k} residents are not shown.").format(k=k)
    parts = []
    if results.definition is not None:
        return _custom_chart(results, note)
    if results.distributions:
        questions = list(results.distributions)
        parts.append(
            charts.distribution_chart(
                _("Answers, wave #{wave}").format(wave=results.wave.id),
                [_(QUESTIONS[q]) for q in questions],
                [
                    [results.distributions[q].get(v, 0) for v in ("1", "2", "3", "4", "5", "skip")]
                    for q in questions
                ],
                ["1", "2", "3", "4", "5"],
                totals=[results.totals.get(q, 0) for q in questions] if results.totals else None,
                extra=_("no answer"),
                scale_note=_("1 = strongly disagree, 5 = strongly agree"),
                total_note=note,
            )
        )
    if any(point.index is not None for point in results.trend):
        parts.append(
            charts.trend_chart(
                _("Agency index across waves"),
                [
                    (_("Wave #{wave}").format(wave=p.wave_id), p.index, p.respondents)
                    for p in results.trend
                ],
                y_label=_("0-100, the mean of every answer"),
                total_note=None if parts else note,
                height_in=3.8,
            )
        )
    if not parts:
        return None
    return charts.stack(*parts)


def chart_caption(wave_id: int) -> str:
    return _("📊 Wave #{wave} as a chart: the answers and the agency index.").format(wave=wave_id)


def csv_caption(wave_id: int) -> str:
    return _("The results of wave #{wave}, as a CSV file.").format(wave=wave_id)


assert set(QUESTIONS) == set(AGENCY)


# ------------------------------------------------------------------------------ your own surveys
KIND_LABELS = {
    "choice": N_("Choice"),
    "likert": N_("1-5 scale"),
    "text": N_("Short text"),
}


def preview(definition: Definition, draft_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """A definition as residents will see it (in the reader's language, else the survey's),
    the languages it is written in, and Save / Cancel."""
    locale, source = current_locale(), definition.language
    n = len(definition.questions)
    lines = [
        f"📋 <b>{esc(pick(definition.title, locale, source))}</b>",
        ngettext("{n} question", "{n} questions", n).format(n=n),
        _("Languages: {languages}").format(
            languages=", ".join(language_name(loc) for loc in definition.languages)
        ),
    ]
    for i, item in enumerate(definition.questions, start=1):
        lines.append("")
        lines.append(f"<b>{i}. {esc(pick(item.text, locale, source))}</b>")
        if item.kind == "choice":
            lines += [f"  ▫️ {esc(pick(o, locale, source))}" for o in item.options]
        elif item.kind == "likert":
            lines.append("  " + _("1 = strongly disagree, 5 = strongly agree"))
        else:
            lines.append("  " + _("Answered by typing a short text."))
    lines.append("")
    lines.append(
        _("Save it, then send it with /survey open {name}.").format(name=esc(definition.name))
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("💾 Save"), callback_data=b.SdSave(draft_id).pack()),
                InlineKeyboardButton(_("✖️ Cancel"), callback_data=b.SdCancel(draft_id).pack()),
            ]
        ]
    )
    return "\n".join(lines), keyboard


def defined_text(definition: Definition) -> str:
    return _("✅ Saved. Send it with /survey open {name}.").format(name=esc(definition.name))


def cancelled_text() -> str:
    return _("Cancelled: nothing was saved.")


FILE_PROBLEMS = {
    "not_utf8": N_("this is not UTF-8 text (save the file as UTF-8)"),
    "bad_json": N_("this is not valid JSON"),
    "bad_yaml": N_("this is not valid YAML (check the indentation and the colons)"),
    "not_a_survey": N_("a survey file has name:, title: and questions:"),
    "unknown_key": N_("unknown key “{key}” (use {keys})"),
    "twice": N_("“{key}” appears twice"),
    "missing_key": N_("“{key}” is missing"),
    "bad_name": N_("a name is 2 to 30 lowercase letters, digits or dashes, such as repairs-2026"),
    "reserved_name": N_("the name {name} is taken by the bot itself"),
    "name_taken": N_("a survey called {name} exists already"),
    "bad_language": N_("unknown language “{given}” (use en, es, fr, ar, zh_Hans or vi)"),
    "not_text": N_("expected a text, or one text per language (en: ..., es: ...)"),
    "too_long": N_("this text is too long (at most {limit} characters)"),
    "missing_language": N_("the text in {language} is missing (the survey's own language)"),
    "not_a_list": N_("questions: should be a list (each question starts with “- ”)"),
    "question_count": N_("a survey has 1 to {max} questions"),
    "not_a_question": N_("a question has kind:, text: and, for a choice, options:"),
    "bad_kind": N_("a question's kind is choice, likert or text"),
    "option_count": N_("an option list needs {min} to {max} options"),
    "same_options": N_("two options are the same"),
    "no_options": N_("only a choice question has options"),
}


def file_problem(error: FileError) -> str:
    if error.code == "too_big":
        return _("The file is too big: at most {size} KB.").format(**error.values)
    if error.code == "empty":
        return _("The file is empty.")
    values = {k: esc(str(v)) for k, v in error.values.items()}
    if "language" in values:
        values["language"] = language_name(str(error.values["language"]), in_sentence=True)
    problem = _(FILE_PROBLEMS[error.code]).format(**values)
    if not error.line:
        return problem
    return _("Line {line}: {problem}").format(line=error.line, problem=problem)


def file_errors_text(errors: list[FileError]) -> str:
    lines = [_("❌ This survey file cannot be used yet:")]
    lines += [f"• {file_problem(e)}" for e in errors[:MAX_ERRORS]]
    more = len(errors) - MAX_ERRORS
    if more > 0:
        lines.append(
            ngettext("…and {n} more problem.", "…and {n} more problems.", more).format(n=more)
        )
    lines.append("")
    lines.append(_("Fix it and send the file again. /survey example shows the format."))
    return "\n".join(lines)


def file_too_big_text(size_kb: int) -> str:
    return file_problem(FileError("too_big", 0, {"size": size_kb}))


# the guided flow
def flow_name_prompt() -> str:
    return _(
        "📝 <b>A new survey</b>\n"
        "What is it called? Residents see this title, such as <i>Repairs in Maple Court</i>.\n\n"
        "Step by step, the survey is written in your language. To give it in other languages "
        "too, send it as a YAML or JSON file instead: /survey example gives you one to start "
        "from."
    )


def flow_question_prompt(number: int) -> str:
    return _("Question {n} (at most {max}): type it.").format(n=number, max=MAX_QUESTIONS)


def flow_kind(draft_id: int, question_text: str) -> tuple[str, InlineKeyboardMarkup]:
    text = f"<b>{esc(question_text)}</b>\n" + _("How do residents answer it?")
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _(KIND_LABELS[kind]), callback_data=b.SdKind(draft_id, kind).pack()
                )
                for kind in ("choice", "likert", "text")
            ],
            [InlineKeyboardButton(_("✖️ Cancel"), callback_data=b.SdCancel(draft_id).pack())],
        ]
    )
    return text, keyboard


def flow_options_prompt() -> str:
    return _(
        "Type the options, one per line: {min} to {max}, each up to {limit} characters."
    ).format(min=MIN_OPTIONS, max=MAX_OPTIONS, limit=OPTION_MAX)


def flow_more(draft_id: int, count: int) -> tuple[str, InlineKeyboardMarkup]:
    text = ngettext(
        "✅ Your survey has {n} question.", "✅ Your survey has {n} questions.", count
    ).format(n=count)
    rows = []
    if count < MAX_QUESTIONS:
        add = InlineKeyboardButton(_("➕ Add a question"), callback_data=b.SdMore(draft_id).pack())
        rows.append([add])
    rows.append([InlineKeyboardButton(_("👀 Done"), callback_data=b.SdDone(draft_id).pack())])
    return text, InlineKeyboardMarkup(rows)


def example_caption() -> str:
    return _(
        "An example survey file. Change it (the texts, the languages, the questions), then "
        "send it back to me as a file: I check it and show you a preview."
    )
