"""The one table from problem kind to message: every refused request, in the reader's words.

``render`` is called by the ``@localized`` wrapper for any :class:`Problem` a handler lets
through; ``tests/unit/test_problems.py`` checks that every kind of every problem has a message
here, translated in every shipped locale.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from bot.i18n import N_, _
from bot.services.announcements import BODY_MAX, AnnouncementProblem
from bot.services.buildings import BuildingProblem
from bot.services.event_attendance import AttendanceProblem
from bot.services.events import EventProblem
from bot.services.groups import GroupProblem
from bot.services.invites import MAX_DAYS, InviteProblem
from bot.services.moderation import ModerationProblem
from bot.services.polls import MAX_OPTIONS, MIN_OPTIONS, OPTION_MAX, QUESTION_MAX, PollProblem
from bot.services.problems import ButtonProblem, Problem
from bot.services.roles import RoleProblem
from bot.services.signup import DISPLAY_NAME_MAX, SignupProblem
from bot.services.survey_definitions import MAX_OPTIONS as SURVEY_MAX_OPTIONS
from bot.services.survey_definitions import MAX_QUESTIONS as SURVEY_MAX_QUESTIONS
from bot.services.survey_definitions import MIN_OPTIONS as SURVEY_MIN_OPTIONS
from bot.services.survey_definitions import OPTION_MAX as SURVEY_OPTION_MAX
from bot.services.surveys import MAX_DAYS as SURVEY_MAX_DAYS
from bot.services.surveys import SurveyProblem
from bot.services.text import UNIT_MAX
from bot.views import events as event_views
from bot.views.common import esc


def stale() -> str:
    return _("This button no longer works. Send /help to start again.")


def nothing_to_change() -> str:
    return _("Nothing to change: that is already the case.")


def outranked() -> str:
    return _("You can't do that to someone whose role is the same as yours or higher.")


def yourself() -> str:
    return _("You can't do that to yourself.")


def link_no_longer_works() -> str:
    return _("This invite link no longer works. Please ask your steward for a new one.")


def already_decided(problem: Problem) -> str:
    if not problem.detail:
        return nothing_to_change()
    return _("Already decided by {name}: nothing was changed.").format(name=esc(problem.detail))


M = Callable[[Problem], str]
ANNOUNCE_STATES = {
    "draft": N_("It is still a draft."),
    "awaiting_approval": N_("It is waiting for a second approval."),
    "scheduled": N_("It is scheduled."),
    "sending": N_("It is being sent."),
    "sent": N_("It has been sent."),
    "cancelled": N_("It was cancelled."),
}
MESSAGES: dict[Enum, M] = {
    ButtonProblem.STALE: lambda p: stale(),
    # announcements
    AnnouncementProblem.NOT_FOUND: lambda p: _(
        "There is no announcement #{id} that you look after. /announcements lists them."
    ).format(id=esc(p.detail)),
    AnnouncementProblem.NO_TEXT: lambda p: _("Please write the announcement's text first."),
    AnnouncementProblem.TOO_LONG: lambda p: _(
        "That is too long for an announcement: use at most {max} characters."
    ).format(max=BODY_MAX),
    AnnouncementProblem.BAD_AUDIENCE: lambda p: _(
        "I did not understand who should get it{word}. Write <code>all</code> or building "
        "numbers from /building list, such as <code>2,5</code>, then filters such as "
        "<code>lang:es</code>, <code>tenure:renter</code> or <code>role:steward</code>, then "
        "<code>|</code> and the text."
    ).format(word=f" ({esc(p.detail)})" if p.detail else ""),
    AnnouncementProblem.NOT_YOURS: lambda p: _(
        "Building {id} is not one you look after: you can announce to your own buildings."
    ).format(id=esc(p.detail)),
    AnnouncementProblem.EVERYONE_ORGANISERS: lambda p: _(
        "Only organisers can announce to every building."
    ),
    AnnouncementProblem.NOBODY: lambda p: _(
        "Nobody in that audience can get it right now: choose other buildings or filters."
    ),
    AnnouncementProblem.CHANGED: lambda p: (
        _("That can't be done any more.") + " " + _(ANNOUNCE_STATES[p.detail])
        if p.detail in ANNOUNCE_STATES
        else _("That can't be done any more.")
    ),
    AnnouncementProblem.MISSING_LANGUAGES: lambda p: _(
        "Some languages are still missing ({languages}). Write them, approve a translation, "
        "or choose to send the others the original."
    ).format(languages=esc(p.detail)),
    AnnouncementProblem.OWN_APPROVAL: lambda p: _(
        "You wrote this one: another steward or organiser has to approve it."
    ),
    AnnouncementProblem.NOT_TRANSLATOR: lambda p: _(
        "Only translators can do that. An organiser can give you the role."
    ),
    AnnouncementProblem.BAD_TIME: lambda p: _(
        "I could not read that time. Write it like <code>2026-12-01 18:30</code>, or just "
        "<code>18:30</code>."
    ),
    AnnouncementProblem.PAST_TIME: lambda p: _("That time has already passed: pick a later one."),
    AnnouncementProblem.EDIT_TOO_LONG: lambda p: _(
        "The new text needs more messages than the one sent. Shorten it, or send a new "
        "announcement."
    ),
    AnnouncementProblem.NO_APPROVER: lambda p: _(
        "A send this large needs a second steward or organiser, and nobody else can approve "
        "it yet. Ask an organiser, or choose a smaller audience."
    ),
    AnnouncementProblem.NOT_SENT: lambda p: _("Announcement #{id} has not been sent yet.").format(
        id=esc(p.detail)
    ),
    # events
    EventProblem.NOT_FOUND: lambda p: _(
        "There is no event #{id} that you can see. /events lists them."
    ).format(id=esc(p.detail)),
    EventProblem.BAD_LINE: lambda p: event_views.new_usage(),
    EventProblem.BAD_DATE: lambda p: _(
        "There is no such date or time ({date}). Write it like <code>2026-12-05 18:30</code>."
    ).format(date=esc(p.detail)),
    EventProblem.PAST: lambda p: _("That time has already passed: pick a later one."),
    EventProblem.TOO_LONG: lambda p: _("That is too long: use at most {max} characters.").format(
        max=esc(p.detail)
    ),
    EventProblem.BAD_CAPACITY: lambda p: _(
        "The number of places is a whole number, such as <code>40</code>."
    ),
    EventProblem.NOT_YOURS: lambda p: _(
        "Building {id} is not one you look after: you can create events for your own buildings."
    ).format(id=esc(p.detail)),
    EventProblem.CHANGED: lambda p: (
        _("That can't be done any more.") + " " + _(event_views.EVENT_STATES[p.detail])
        if p.detail in event_views.EVENT_STATES
        else _("That can't be done any more.")
    ),
    EventProblem.CLOSED: lambda p: _("This event is over or was cancelled: answers are closed."),
    EventProblem.NOT_INVITED: lambda p: _("This event is for the residents of other buildings."),
    EventProblem.BAD_EDIT: lambda p: event_views.edit_usage(),
    EventProblem.EDIT_DONE: lambda p: _("This change was already made: nothing more to do."),
    EventProblem.BAD_REPEAT: lambda p: _(
        "Write the repetition like <code>every week until 2027-03-01</code> (or "
        "<code>every month until ...</code>), with an end date that leaves room for a second date."
    ),
    EventProblem.NOT_RESIDENT: lambda p: _(
        "Only residents who have signed up can answer. Write to me in a private chat to sign up."
    ),
    # events, after the answer
    AttendanceProblem.OFFER_GONE: lambda p: _(
        "This offer is no longer open: it was answered, its time ran out, or the event changed."
    ),
    AttendanceProblem.NOT_GOING: lambda p: _(
        "Answer Going first: this is for the people who are coming."
    ),
    AttendanceProblem.NOT_YET: lambda p: _(
        "The event has not started yet: attendance comes after the start."
    ),
    AttendanceProblem.WINDOW_CLOSED: lambda p: _("It is too late for that: the time has passed."),
    AttendanceProblem.NOT_ANSWERED: lambda p: _(
        "That is only for residents who answered Going or Maybe."
    ),
    AttendanceProblem.ALREADY: lambda p: _("You already answered that. Thank you!"),
    AttendanceProblem.BAD_COMMENT: lambda p: _(
        "Write a comment of at most {max} characters."
    ).format(max=p.detail or "500"),
    # buildings
    BuildingProblem.EMPTY: lambda p: _(
        "Please give the building a name, for example: /building add Maple Court"
    ),
    BuildingProblem.TOO_LONG: lambda p: _(
        "That name is too long: use at most {max} characters."
    ).format(max=p.detail),
    BuildingProblem.BAD_SETTING: lambda p: _("Please give a number from 1 to {max}.").format(
        max=p.detail
    ),
    BuildingProblem.DUPLICATE: lambda p: _("There is already a building called {name}.").format(
        name=esc(p.detail)
    ),
    BuildingProblem.NOT_FOUND: lambda p: _(
        "I can't find an active building {ref}. See /building list."
    ).format(ref=esc(p.detail)),
    # building groups
    GroupProblem.NOT_LINKED: lambda p: _(
        "This group is not linked to a building yet. A steward can send /linkgroup "
        "followed by the building's name."
    ),
    GroupProblem.BAD_DURATION: lambda p: _(
        "Please give a duration like 30m (30 minutes), 2h (2 hours), 1d (1 day) or 1w "
        "(1 week), at most a year."
    ),
    GroupProblem.NOT_STEWARD: lambda p: _("Only the stewards of this building can do that here."),
    # invites
    InviteProblem.BAD_DAYS: lambda p: _("An invite can last from 1 to {max} days.").format(
        max=MAX_DAYS
    ),
    InviteProblem.NOT_YOURS: lambda p: _(
        "You can only make and withdraw invites for the buildings you represent."
    ),
    InviteProblem.ALREADY_WITHDRAWN: lambda p: _("That invite was already withdrawn."),
    InviteProblem.NOT_FOUND: lambda p: _("I can't find that invite. See /invite list."),
    InviteProblem.UNKNOWN_LINK: lambda p: _(
        "I don't recognise this invite link. Please check it, or ask your steward."
    ),
    InviteProblem.EXPIRED: lambda p: _(
        "This invite link has expired. Please ask your steward for a new one."
    ),
    InviteProblem.REVOKED: lambda p: link_no_longer_works(),
    InviteProblem.CLOSED: lambda p: link_no_longer_works(),
    # moderation and roles
    ModerationProblem.UNKNOWN_PERSON: lambda p: _(
        "I don't know that person yet: they need to start a chat with me first."
    ),
    ModerationProblem.NOT_RESIDENT: lambda p: _("That person has not signed up for a building."),
    ModerationProblem.NOT_YOUR_BUILDING: lambda p: _(
        "That resident lives in a building you don't represent."
    ),
    ModerationProblem.SELF: lambda p: yourself(),
    RoleProblem.SELF: lambda p: yourself(),
    ModerationProblem.OUTRANKED: lambda p: outranked(),
    RoleProblem.OUTRANKED: lambda p: outranked(),
    ModerationProblem.REASON_REQUIRED: lambda p: _(
        "Please add a reason after the name, for example: /ban @sam spamming the group"
    ),
    RoleProblem.NOT_ALLOWED: lambda p: _("Only the bot's admins can make someone an organiser."),
    ModerationProblem.ALREADY: already_decided,
    RoleProblem.NO_CHANGE: lambda p: nothing_to_change(),
    # sign-up and profile
    SignupProblem.ALREADY_RESIDENT: lambda p: _(
        "You are already signed up for {building}. See /mydata."
    ).format(building=esc(p.detail)),
    SignupProblem.BANNED: lambda p: _(
        "Sorry, you can't sign up here. Please talk to an organiser."
    ),
    SignupProblem.BAD_NAME: lambda p: _("Please type a name of up to {max} characters.").format(
        max=DISPLAY_NAME_MAX
    ),
    SignupProblem.BAD_UNIT: lambda p: _(
        "Please type your unit in up to {max} letters or numbers (spaces, - and / are fine)."
    ).format(max=UNIT_MAX),
    SignupProblem.NO_SIGNUP: lambda p: stale(),
    SignupProblem.WRONG_STEP: lambda p: stale(),
    SignupProblem.BAD_TENURE: lambda p: stale(),
    SignupProblem.BAD_AFFORDABILITY: lambda p: stale(),
    # polls
    PollProblem.USAGE: lambda p: _(
        "Write the question, then the answers, each after a bar:\n"
        "<code>/poll Bins on Monday or Tuesday? | Monday | Tuesday</code>\n"
        "Add <code>| multi</code> to allow several answers and <code>| close 2h</code> "
        "to close it after a time."
    ),
    PollProblem.OPTIONS: lambda p: _(
        "A poll needs from {min} to {max} answers to choose from; you gave {n}."
    ).format(min=MIN_OPTIONS, max=MAX_OPTIONS, n=esc(p.detail)),
    PollProblem.TOO_LONG: lambda p: _(
        "Please keep the question to {q} characters at most and each answer to {o}."
    ).format(q=QUESTION_MAX, o=OPTION_MAX),
    PollProblem.NOT_FOUND: lambda p: _(
        "There is no poll #{id} that you look after. /polls lists them."
    ).format(id=esc(p.detail)),
    PollProblem.CHANGED: lambda p: _("This poll has already been sent or closed."),
    PollProblem.HIDDEN: lambda p: _("The results of poll #{id} are shown when it closes.").format(
        id=esc(p.detail)
    ),
    PollProblem.BAD_BREAKDOWN: lambda p: _(
        "Results can be split by building, tenure, affordability or language."
    ),
    PollProblem.NOT_YOURS: lambda p: _(
        "Building {id} is not one you look after: your polls go to your own buildings."
    ).format(id=esc(p.detail)),
    PollProblem.MISMATCH: lambda p: _(
        "This poll has {n} answers to choose from: give the question and exactly {n} answers, "
        "in the same order."
    ).format(n=esc(p.detail)),
    PollProblem.SAME_LANGUAGE: lambda p: _(
        "The poll is already written in this language: pick another one."
    ),
    # surveys
    SurveyProblem.NOT_FOUND: lambda p: _(
        "There is no survey wave #{id} that you look after. /survey list shows them."
    ).format(id=esc(p.detail)),
    SurveyProblem.UNKNOWN_SURVEY: lambda p: _(
        "I don't know a survey called {name}. /survey list shows the surveys."
    ).format(name=esc(p.detail)),
    SurveyProblem.BAD_DAYS: lambda p: _(
        "Please give a number of days from 1 to {max}, such as /survey open agency 7."
    ).format(max=SURVEY_MAX_DAYS),
    SurveyProblem.CLOSED: lambda p: _("This survey wave is closed."),
    SurveyProblem.NOT_INVITED: lambda p: _("This survey is not open to you."),
    SurveyProblem.NOBODY: lambda p: _(
        "Nobody in that audience can get the survey right now: choose other buildings or filters."
    ),
    SurveyProblem.DRAFT_GONE: lambda p: _("This survey draft was saved or cancelled already."),
    SurveyProblem.NAME_TAKEN: lambda p: _(
        "A survey called {name} exists already: send the file again with another name."
    ).format(name=esc(p.detail)),
    SurveyProblem.TOO_LONG: lambda p: _("That is too long: at most {limit} characters.").format(
        limit=esc(p.detail)
    ),
    SurveyProblem.BAD_OPTIONS: lambda p: _(
        "Please type {min} to {max} different options, one per line, each up to {limit} characters."
    ).format(min=SURVEY_MIN_OPTIONS, max=SURVEY_MAX_OPTIONS, limit=SURVEY_OPTION_MAX),
    SurveyProblem.TOO_MANY_QUESTIONS: lambda p: _(
        "A survey has at most {max} questions: press Done."
    ).format(max=SURVEY_MAX_QUESTIONS),
    SurveyProblem.NO_QUESTIONS: lambda p: _("A survey needs at least one question."),
    SurveyProblem.NOT_TEXT: lambda p: _("This question is answered with the buttons under it."),
}


def render(problem: Problem) -> str:
    """The message for ``problem`` in the active locale."""
    return MESSAGES[problem.kind](problem)
