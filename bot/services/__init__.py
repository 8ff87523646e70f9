"""The rules of the bot, free of any Telegram import, so they can be tested directly."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from bot.services.announcements import AnnouncementService
from bot.services.awaiting import AwaitingService
from bot.services.buildings import BuildingService
from bot.services.delivery import DeliveryService
from bot.services.event_attendance import AttendanceService
from bot.services.events import EventService
from bot.services.groups import GroupService
from bot.services.invites import InviteService
from bot.services.keys import Keys
from bot.services.moderation import ModerationService
from bot.services.polls import PollService
from bot.services.privacy import PrivacyService
from bot.services.profile import ProfileService
from bot.services.roles import RoleService
from bot.services.signup import SignupService
from bot.services.status import StatusService
from bot.services.surveys import SurveyService
from bot.services.updates import UpdateService
from bot.services.users import UserService
from bot.storage.announcements import AnnouncementsRepository
from bot.storage.audit import AuditRepository
from bot.storage.awaiting import AwaitingRepository
from bot.storage.buildings import BuildingsRepository
from bot.storage.db import Database
from bot.storage.event_attendance import AttendanceRepository
from bot.storage.events import EventsRepository
from bot.storage.groups import GroupsRepository
from bot.storage.inbox import InboxRepository
from bot.storage.invites import InvitesRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.polls import PollsRepository
from bot.storage.residents import ResidentsRepository
from bot.storage.roles import RolesRepository
from bot.storage.settings import SettingsRepository
from bot.storage.surveys import SurveysRepository
from bot.storage.updates import UpdatesRepository
from bot.storage.users import UsersRepository


@dataclass
class Services:
    """Everything a handler may call, built once per process in ``bot.app``."""

    config: Config
    db: Database
    users: UserService
    roles: RoleService
    status: StatusService
    buildings: BuildingService
    invites: InviteService
    signup: SignupService
    privacy: PrivacyService
    moderation: ModerationService
    groups: GroupService
    profile: ProfileService
    keys: Keys
    awaiting: AwaitingService
    updates: UpdateService
    delivery: DeliveryService
    announcements: AnnouncementService
    events: EventService
    attendance: AttendanceService  # events after the answer: offers, needs, attendance
    surveys: SurveyService
    polls: PollService

    @classmethod
    def build(cls, config: Config, db: Database) -> Services:
        users = UserService(UsersRepository(db))
        buildings = BuildingService(BuildingsRepository(db))
        residents = ResidentsRepository(db)
        keys = Keys(SettingsRepository(db))
        awaiting = AwaitingService(AwaitingRepository(db))
        signup = SignupService(residents, keys=keys, awaiting=awaiting)
        roles_repo, invites_repo, audit = (
            RolesRepository(db),
            InvitesRepository(db),
            AuditRepository(db),
        )
        roles = RoleService(roles_repo, config.admin_ids)
        delivery = DeliveryService(OutboxRepository(db), users)
        announcements_repo = AnnouncementsRepository(db)
        events_repo = EventsRepository(db)
        groups = GroupService(GroupsRepository(db), residents, roles)
        events = EventService(
            events_repo,
            announcements_repo,
            delivery,
            timezone=config.timezone,
            reminder_leads=config.reminder_leads,
            remind_maybe=config.remind_maybe,
            waitlist_hours=config.waitlist_hours,
        )
        surveys_repo = SurveysRepository(db)
        polls_repo = PollsRepository(db)
        return cls(
            config=config,
            db=db,
            users=users,
            roles=roles,
            status=StatusService(
                db, users, config.min_group, webhook=config.webhook_url is not None
            ),
            buildings=buildings,
            invites=InviteService(invites_repo, roles),
            signup=signup,
            privacy=PrivacyService(
                users,
                signup,
                groups,
                roles_repo,
                invites_repo,
                audit,
                delivery,
                announcements_repo,
                events_repo,
                surveys_repo,
                polls_repo,
                InboxRepository(db),
            ),
            moderation=ModerationService(residents, roles, audit, keys),
            groups=groups,
            profile=ProfileService(residents, awaiting),
            keys=keys,
            awaiting=awaiting,
            updates=UpdateService(UpdatesRepository(db), roles),
            delivery=delivery,
            announcements=AnnouncementService(
                announcements_repo,
                roles,
                delivery,
                approval_threshold=config.approval_threshold,
                quiet_hours=config.quiet_hours,
                timezone=config.timezone,
                min_group=config.min_group,
            ),
            events=events,
            attendance=AttendanceService(
                AttendanceRepository(db),
                events_repo,
                delivery,
                may_manage=events.may_manage,
                waitlist_hours=config.waitlist_hours,
                attendance_hours=config.attendance_hours,
                min_group=config.min_group,
                clock=lambda: events.clock(),  # one clock for events (tests set it)
            ),
            surveys=SurveyService(
                surveys_repo, announcements_repo, delivery, min_group=config.min_group
            ),
            polls=PollService(
                polls_repo,
                announcements_repo,
                delivery,
                min_group=config.min_group,
                timezone=config.timezone,
            ),
        )
