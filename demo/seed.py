"""The demo data set: a realistic, entirely fictional Parley installation, written through the services.

``demo_seed(scale=N)`` builds one login per role and N copies of three initiatives shaped like real
Track II work (a four-party regional security dialogue, a two-party backchannel, an inclusive
civil-society dialogue) with their participants, vetting, workshops, invitations, documents and
outcome reports (the world itself is in ``demo.plans``). Copy 1 carries plain codenames and e-mails;
copy k > 1 suffixes them with ``-k``.

Every record is created by its app's service, so the demo meets every rule the pages meet. Copy 1
creates its organisations, initiatives, workshops, documents and sanctions entries one by one, through
the services the pages use; further copies import theirs at once (the ``…_import`` services: the same
rules, one insert per kind of record), and every copy imports its participants, vetting, consents and
invitations. So ``scale=500`` builds 5,000 workshops in minutes, and ``participants_per_copy=200``
(a wider circle of people in each copy: ``Person.circle``) 100,000 participants.

It is idempotent: records are looked up by their natural key (e-mail, codename, title within its
parent, (workshop, participant) …) and only the missing ones are created; nothing that exists is
changed. Workshop dates are computed from today, so a fresh demo always has past and future meetings;
times are local in the venue's zone and stored in UTC.
"""

import datetime as dt
import random
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from core.levels import Level
from dialogues.models import (
    AgendaSession,
    Document,
    DocumentVersion,
    Funding,
    Initiative,
    Invitation,
    InvitationReminder,
    Party,
    TeamMembership,
    Workshop,
)
from dialogues.services import (
    document_create,
    document_version_add,
    documents_import,
    initiative_create,
    initiative_update,
    initiatives_import,
    invitation_reminders_record,
    invitations_import,
    invitations_send,
    workshop_create,
    workshop_update,
    workshops_import,
)
from facilitators.models import (
    ActionItem,
    Assignment,
    Facilitator,
    OutcomeReport,
    OutcomeReportEvent,
    OutcomeReportVersion,
    TrackOneBriefing,
)
from facilitators.services import (
    action_item_create,
    assignment_create,
    outcome_report_create,
    track_one_briefing_create,
)
from participants.models import (
    ConsentRecord,
    Organization,
    Participant,
    SanctionsEntry,
    SanctionsHit,
    SanctionsList,
    VettingCase,
    VettingCaseEvent,
)
from participants.sanctions import FICTIONAL_LIST, sanctions_list_import
from participants.screening import screening_run_process, screening_run_request
from participants.services import (
    consent_records_import,
    organization_create,
    organizations_import,
    participant_create,
    participants_import,
    sanctions_entries_import,
    sanctions_entry_create,
    sanctions_hit_create,
    sanctions_hits_import,
    vetting_case_decide,
    vetting_case_open,
    vetting_case_record,
    vetting_cases_import,
)

from .logins import seed_logins, seed_team
from .pdf import demo_pdf
from .plans import (
    ACTION_ITEMS,
    ADMIN,
    BACKCHANNEL,
    BACKCHANNEL_WORKSHOPS,
    BRIEFING,
    CIVIL_SOCIETY,
    CIVIL_SOCIETY_WORKSHOPS,
    CREATORS,
    CULTURES,
    DOCUMENT_TEXT,
    DOCUMENTS,
    FACILITATED,
    FACILITATOR,
    FUNDING,
    INVITATIONS,
    IS,
    OBSERVER,
    ORGANISATION_KINDS_BY_CATEGORY,
    ORGANISATIONS,
    PARTICIPANT,
    PARTICIPANT_ACTION_ITEM,
    PARTY_DESCRIPTIONS,
    PORTFOLIO,
    REGIONAL,
    REGIONAL_WORKSHOPS,
    REPORT_TEXTS,
    REPORTS,
    RESPONDED,
    SESSION_TITLES,
    TITLES_BY_CATEGORY,
    C,
    G,
    W,
)

PLANS = (REGIONAL, BACKCHANNEL, CIVIL_SOCIETY)
# The story's own participants in each copy (``demo_seed(participants_per_copy=…)`` adds a wider circle).
STORY_PARTICIPANTS = sum(size for plan in PLANS for _name, _culture, size in plan.parties)
CIRCLE_PLANS = (REGIONAL, CIVIL_SOCIETY)
# What the wider circle's invitations to a workshop that is open say, by turn.
CIRCLE_STATUSES = (IS.ACCEPTED, IS.SENT, IS.ACCEPTED, IS.DECLINED, IS.QUEUED, IS.ACCEPTED, IS.SENT, IS.DRAFT)
WORKSHOP_PLANS = {
    REGIONAL.codename: REGIONAL_WORKSHOPS,
    BACKCHANNEL.codename: BACKCHANNEL_WORKSHOPS,
    CIVIL_SOCIETY.codename: CIVIL_SOCIETY_WORKSHOPS,
}
# What a workshop's agenda is computed from.
AGENDA_FROM = ("kind", "starts_at", "ends_at", "time_zone")
# Every kind of record the demo writes, for the count of rows created.
SEEDED_MODELS = (
    User,
    EmailAddress,
    Authenticator,
    Facilitator,
    Organization,
    Participant,
    ConsentRecord,
    VettingCase,
    VettingCaseEvent,
    SanctionsEntry,
    SanctionsHit,
    Initiative,
    TeamMembership,
    Party,
    Funding,
    Workshop,
    AgendaSession,
    Assignment,
    Invitation,
    InvitationReminder,
    Document,
    DocumentVersion,
    OutcomeReport,
    OutcomeReportVersion,
    OutcomeReportEvent,
    ActionItem,
    TrackOneBriefing,
)

# The public summary of the approved report: what anyone who may see the workshop reads once it is approved.
PUBLIC_SUMMARY = (
    "Participants discussed practical steps to prevent incidents at sea, including a **hotline** between coast "
    "guards, and agreed to continue the conversation."
)
# A session's report returned by the lead with comments (the workflow's fourth state).
RETURNED_SESSION_REPORT = (
    (REGIONAL.codename, "oslo"),
    FACILITATOR,
    "Please describe the points of divergence without naming delegations, and add the agreed next steps.",
)


@dataclass
class Person:
    """A generated participant and what the demo does with them."""

    row: dict
    party: int
    index: int
    vetting: str = ""  # a VettingCase status, "expiring" (approved, soon expiring) or "" for none
    participant: Participant = None
    # Their number in the wider circle, or None for the people of the story: at large scales a copy holds
    # more participants than its story needs (``demo_seed(participants_per_copy=…)``); the further ones join
    # the delegations of the regional and the civil-society dialogues (the backchannel stays as small as it
    # is), vetted where the initiative is confidential, and are invited to two of its workshops each.
    circle: int = None


@dataclass
class SeedResult:
    scale: int
    created: Counter = field(default_factory=Counter)
    users: list = field(default_factory=list)
    totp: list = field(default_factory=list)  # (email, secret, otpauth URI)


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def circle_invitations(codename, number):
    """The two workshops of initiative ``codename`` that person ``number`` of its wider circle is invited
    to (by turn, so that every workshop gets its share), with the status of each: attended (or not) once
    held, withdrawn from a cancelled one, a draft while planned, else by turn."""
    group = WORKSHOP_PLANS[codename]
    statuses = {}
    for plan in (group[number % len(group)], group[(number + 1) % len(group)]):
        if plan.status == Workshop.Status.HELD:
            statuses[plan.key] = IS.NO_SHOW if number % 8 == 7 else IS.ATTENDED
        elif plan.status == Workshop.Status.CANCELLED:
            statuses[plan.key] = IS.WITHDRAWN
        elif plan.status == Workshop.Status.PLANNED:
            statuses[plan.key] = IS.DRAFT
        else:
            statuses[plan.key] = CIRCLE_STATUSES[number % len(CIRCLE_STATUSES)]
    return statuses


def statistics_refreshed():
    """Have PostgreSQL's planner count the rows of the tables the demo writes (``ANALYZE``), as its advice
    for bulk loads goes: a table it believes small or empty is read in full for every lookup, and nothing
    else refreshes these numbers within the demo's one transaction (nor at all where autovacuum is off).
    Other databases are left alone."""
    if connection.vendor != "postgresql":
        return
    tables = {model._meta.db_table for model in SEEDED_MODELS}
    tables |= {field.remote_field.through._meta.db_table for field in Initiative._meta.many_to_many}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in sorted(tables)))


def row_counts():
    return Counter({model._meta.label: model.objects.count() for model in SEEDED_MODELS})


def by_key(records, *names):
    """``records`` by their natural key: the tuple of the attributes ``names``."""
    return {tuple(getattr(record, name) for name in names): record for record in records}


def local_time(day, hour, minute, zone):
    """A wall-clock time at the venue, as a UTC datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def session_rows(codename, *, kind, starts_at, ends_at, time_zone):
    """The agenda of a workshop of the initiative ``codename``: up to three sessions a day (one, online)."""
    slots = ((9, 0, 10, 30), (11, 0, 12, 30), (14, 0, 15, 30))
    zone = zoneinfo.ZoneInfo(time_zone)
    first_day, last_day = starts_at.astimezone(zone).date(), ends_at.astimezone(zone).date()
    if kind == W.VIRTUAL:
        day_slots = [(first_day, (13, 0, 15, 0))]
    else:
        days = (last_day - first_day).days + 1
        day_slots = [(first_day + dt.timedelta(days=d), slot) for d in range(days) for slot in slots]
    return [
        {
            "id": None,
            "title": title,
            "starts_at": local_time(day, h1, m1, time_zone),
            "ends_at": local_time(day, h2, m2, time_zone),
        }
        for title, (day, (h1, m1, h2, m2)) in zip(SESSION_TITLES[codename], day_slots, strict=False)
    ]


def seed_participant_account(users, organisations):
    """The participant record behind participant@, shared by every copy, vetted and consenting."""
    participant = Participant.objects.filter(email=PARTICIPANT).first()
    if participant is not None:
        return participant
    admin, now = users[ADMIN], timezone.now()
    participant = participant_create(
        by=admin,
        email=PARTICIPANT,
        full_name=users[PARTICIPANT].full_name,
        user=users[PARTICIPANT],
        nationality="LB",
        languages=["ar", "en", "fr"],
        gender=G.WOMAN,
        organization=organisations["Centre for Regional Futures"],
        title="Senior researcher",
        category=C.EXPERT,
    )
    approval = {
        "participant": participant,
        "status": VettingCase.Status.APPROVED,
        "reviewer": admin,
        "identity_checked": True,
        "references_checked": True,
        "conflict_of_interest_checked": True,
        "sanctions_screened": True,
        "decided_at": now - dt.timedelta(days=90),
        "expires_at": now + dt.timedelta(days=275),
        "notes": "References from two former colleagues.",
    }
    vetting_cases_import(rows=[approval])
    given = now - dt.timedelta(days=95)
    consents = (ConsentRecord.Kind.DATA_PROCESSING, ConsentRecord.Kind.CHATHAM_HOUSE)
    consent_records_import(
        by=admin, rows=[{"participant": participant, "kind": kind, "given_at": given} for kind in consents]
    )
    return participant


class DemoCopy:
    """Copy ``number`` of the three initiatives and everything around them."""

    def __init__(self, number, *, users, participant_account, circle=0):
        self.number = number
        self.circle = circle  # how many people of the wider circle the copy holds (see ``Person.circle``)
        self.suffix = "" if number == 1 else f"-{number}"
        self.label = "" if number == 1 else f" ({number})"
        self.users = users
        self.admin = users[ADMIN]
        self.participant_account = participant_account
        self.rng = random.Random(f"parley-demo-{number}")
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.emails = set()

    def days(self, n):
        return self.now + dt.timedelta(days=n)

    def build(self):
        self.organisations = self.seed_organisations()
        people = {plan.codename: self.generate_people(plan) for plan in PLANS}
        for plan, count in zip(CIRCLE_PLANS, (self.circle // 2, self.circle - self.circle // 2), strict=True):
            people[plan.codename] += self.generate_circle(plan, count)
        self.seed_participants([person for group in people.values() for person in group])
        initiatives = self.seed_initiatives()
        parties = self.parties_of(initiatives)
        workshops = self.seed_workshops(initiatives)
        self.seed_assignments(workshops)
        self.seed_invitations(workshops, parties, people)
        self.seed_sanctions(people)
        self.seed_revetting(people)
        self.seed_documents(initiatives, workshops)
        self.seed_reports(workshops)

    # People ---------------------------------------------------------------------------------------

    def seed_organisations(self):
        names = [f"{name}{self.label}" for name, *_ in ORGANISATIONS]
        found = by_key(Organization.objects.filter(name__in=names), "name")
        missing = [
            {"name": f"{name}{self.label}", "kind": kind, "country": country}
            for name, kind, country, _domain in ORGANISATIONS
            if (f"{name}{self.label}",) not in found
        ]
        if self.number == 1:  # as the organisation page creates them; further copies import theirs at once
            created = [organization_create(by=self.admin, **row) for row in missing]
        else:
            created = organizations_import(by=self.admin, rows=missing) if missing else []
        found.update(by_key(created, "name"))
        by_name = {name: found[(f"{name}{self.label}",)] for name, *_ in ORGANISATIONS}
        self.domains = {by_name[name].pk: domain for name, _kind, _country, domain in ORGANISATIONS}
        self.by_kind = {}
        for name, kind, *_ in ORGANISATIONS:
            self.by_kind.setdefault(str(kind), []).append(by_name[name])
        return by_name

    def generate_people(self, plan):
        people = [
            self.person(plan, party, index, self.rng)
            for party, (_name, _culture, size) in enumerate(plan.parties)
            for index in range(size)
        ]
        self.shape_people(plan, people)
        return people

    def generate_circle(self, plan, count):
        """``count`` further people of ``plan``'s delegations (see ``Person.circle``), from a generator of their
        own, so that the story's people are the same however many there are."""
        rng = random.Random(f"parley-demo-{self.number}-{plan.codename}-circle")
        parties = len(plan.parties)
        people = []
        for number in range(count):
            party = number % parties
            person = self.person(plan, party, plan.parties[party][2] + number // parties, rng)
            person.circle = number
            person.vetting = VettingCase.Status.APPROVED if plan.level >= Level.CONFIDENTIAL else ""
            people.append(person)
        return people

    def person(self, plan, party, index, rng):
        countries, languages, women, men, surnames = CULTURES[plan.parties[party][1]]
        gender = pick(rng, plan.genders)
        first_names = women if gender == G.WOMAN else men if gender == G.MAN else rng.choice([women, men])
        first, last = rng.choice(first_names), rng.choice(surnames)
        category = pick(rng, plan.categories)
        organisation = rng.choice(
            [org for kind in ORGANISATION_KINDS_BY_CATEGORY[category] for org in self.by_kind[kind]]
        )
        spoken = list(languages) if rng.random() < 0.7 else [*languages, "fr"][:3]
        row = {
            "full_name": f"{first} {last}",
            "email": self.email_for(first, last, self.domains[organisation.pk]),
            "nationality": rng.choice(countries),
            "languages": list(dict.fromkeys(spoken)),
            "gender": gender,
            "organization": organisation,
            "title": rng.choice(TITLES_BY_CATEGORY[category]),
            "category": category,
            "personal_capacity": category != C.SERVING_OFFICIAL,
            "risk_level": rng.choices(Participant.RiskLevel.values[:2], weights=(8, 2))[0],
            "level": Level.INTERNAL,
            "codename": "",
        }
        return Person(row=row, party=party, index=index)

    def email_for(self, first, last, domain):
        local = f"{slugify(first)}.{slugify(last)}".replace("-", "")
        email, n = f"{local}{self.suffix}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}{self.suffix}@{domain}"
        self.emails.add(email)
        return email

    def make_high_risk(self, person, codename, level):
        person.row.update(risk_level=Participant.RiskLevel.HIGH, codename=f"{codename}{self.suffix}", level=level)

    def shape_people(self, plan, people):
        """Risk, levels and vetting that the story of each initiative needs."""
        V = VettingCase.Status
        for person in people:
            if plan is REGIONAL:
                person.vetting = {1: V.APPROVED_WITH_CONDITIONS, 2: "expiring", 8: V.IN_REVIEW, 9: V.PENDING}.get(
                    person.index, V.APPROVED
                )
            elif plan is BACKCHANNEL:
                # Their involvement is itself secret: nobody outside the backchannel's team sees them.
                person.row.update(level=Level.CONFIDENTIAL, risk_level=Participant.RiskLevel.MEDIUM)
                person.vetting = V.APPROVED_WITH_CONDITIONS if person.index == 0 else V.APPROVED
            elif person.index == 0:
                person.vetting = V.APPROVED if person.party != 1 else V.APPROVED_WITH_CONDITIONS
            elif person.index >= 12:
                person.vetting = (V.PENDING, V.IN_REVIEW, V.REJECTED)[person.party]
        if plan is REGIONAL:
            self.make_high_risk(people[10], "KITE", Level.INTERNAL)
        elif plan is BACKCHANNEL:
            self.make_high_risk(people[0], "HERON", Level.STRICTLY_CONFIDENTIAL)
            self.make_high_risk(people[3], "LARK", Level.STRICTLY_CONFIDENTIAL)
        else:
            self.make_high_risk(people[30], "WILLOW", Level.INTERNAL)

    def seed_participants(self, people):
        # Not empty: the unique index of e-mail addresses holds only those, and PostgreSQL sees it fits.
        stored = Participant.objects.filter(email__in=[person.row["email"] for person in people]).exclude(email="")
        found = by_key(stored, "email")
        missing = [person for person in people if (person.row["email"],) not in found]
        if missing:
            imported = participants_import(by=self.admin, rows=[person.row for person in missing])
            for person, participant in zip(missing, imported, strict=True):
                found[(person.row["email"],)] = participant
        for person in people:
            person.participant = found[(person.row["email"],)]
        self.seed_vetting(people)
        self.seed_consents(people)

    def vetting_fields(self, person):
        V = VettingCase.Status
        status = V.APPROVED if person.vetting == "expiring" else person.vetting
        fields = {"status": status, "reviewer": self.admin}
        if status in VettingCase.DECIDED:
            decided = self.days(-335 if person.vetting == "expiring" else -200 - person.index % 100)
            fields.update(
                decided_at=decided,
                identity_checked=True,
                references_checked=True,
                conflict_of_interest_checked=True,
                sanctions_screened=True,
            )
            if status in VettingCase.APPROVED_STATUSES:
                fields["expires_at"] = decided + dt.timedelta(days=365)
                fields["notes"] = "Two independent references; no conflict of interest found."
            if status == V.APPROVED_WITH_CONDITIONS:
                fields["conditions"] = "Personal capacity only; no contact with media about the dialogue."
            if status == V.REJECTED:
                fields["decided_at"] = self.days(-20)
                fields["notes"] = "References could not be confirmed; undisclosed role in an armed group alleged."
                fields["decision_reason"] = "References could not be confirmed."
        elif status == V.IN_REVIEW:
            fields.update(identity_checked=True, references_checked=True, notes="Waiting for a second reference.")
        else:
            fields.update(reviewer=None, notes="Nominated by the delegation; checks not started.")
        return fields

    def seed_vetting(self, people):
        vetted = [person for person in people if person.vetting]
        cases = VettingCase.objects.filter(participant__in=[person.participant for person in vetted])
        found = set(cases.values_list("participant_id", flat=True))
        rows = [
            {"participant": person.participant, **self.vetting_fields(person)}
            for person in vetted
            if person.participant.pk not in found
        ]
        if rows:
            vetting_cases_import(rows=rows)

    def seed_revetting(self, people):
        """A re-vetting worked through the vetting pages' services, with its history: a member of the backchannel
        (proposed for its STRICTLY_CONFIDENTIAL workshops) is vetted again before the next round; the checks and
        the assessment are recorded and the approval proposed, which waits for a second admin (four eyes)."""
        person = people[BACKCHANNEL.codename][1].participant
        if VettingCase.objects.filter(participant=person).exclude(status__in=VettingCase.DECIDED).exists():
            return
        if VettingCase.objects.filter(participant=person).count() > 1:
            return  # worked on since (confirmed or sent back): left as it is
        case = vetting_case_open(
            participant=person, by=self.admin, notes="Re-vetting before the third round of the backchannel."
        )
        case = vetting_case_record(
            case=case,
            by=self.admin,
            identity_checked=True,
            references_checked=True,
            conflict_of_interest_checked=True,
            sanctions_screened=True,
            references=(
                "A former ambassador who worked with them for six years, and the head of a mediation NGO: both "
                "confirm their standing with the government side and their discretion."
            ),
            conflict_of_interest="Declares a seat on the board of a logistics company; no contracts in the corridor.",
            risk_assessment=Participant.RiskLevel.MEDIUM,
            risk_rationale="Known to the other side's hardliners; travels through a contested border crossing.",
            notes="Asked that their name never appear in minutes.",
        )
        vetting_case_decide(case=case, by=self.admin, decision=VettingCase.Status.APPROVED)

    def seed_consents(self, people):
        K = ConsentRecord.Kind
        consents = ConsentRecord.objects.filter(participant__in=[person.participant for person in people])
        found = set(consents.values_list("participant_id", "kind"))
        rows = []
        for person in people:
            given = self.days(-210 - person.index)
            wanted = [(K.DATA_PROCESSING, None), (K.CHATHAM_HOUSE, None)]
            if person.row["category"] in (C.CIVIL_SOCIETY, C.RELIGIOUS) and person.index % 2 == 0:
                wanted.append((K.PHOTOGRAPHY, self.days(-10) if person.index == 2 else None))
            rows += [
                {"participant": person.participant, "kind": kind, "given_at": given, "withdrawn_at": withdrawn}
                for kind, withdrawn in wanted
                if (person.participant.pk, kind) not in found
            ]
        if rows:
            consent_records_import(by=self.admin, rows=rows)

    def seed_sanctions(self, people):
        """A few list entries, one open hit (civil society, vetting pending) and one cleared hit."""
        pending = next(p for p in people[CIVIL_SOCIETY.codename] if p.vetting == VettingCase.Status.PENDING)
        cleared = people[REGIONAL.codename][5]
        pending_first, pending_last = pending.row["full_name"].split(" ", 1)
        cleared_first, cleared_last = cleared.row["full_name"].split(" ", 1)
        entries = [
            ("QDi.901", SanctionsEntry.Kind.INDIVIDUAL, "Viktor Aldanov", ["Viktor Aldanoff"], "Aldmark"),
            (
                "QDi.902",
                SanctionsEntry.Kind.INDIVIDUAL,
                f"{pending_first} Al-{pending_last}",
                [f"{pending_first} {pending_last}", f"Abu {pending_first}"],
                "Unknown",
            ),
            (
                "QDi.903",
                SanctionsEntry.Kind.INDIVIDUAL,
                f"{cleared_last.upper()} {cleared_first}",
                [f"{cleared_first} {cleared_last}"],
                "Kestova",
            ),
            ("QDe.904", SanctionsEntry.Kind.ENTITY, "Northern Shield Brigade", ["NSB", "Shield of the North"], ""),
        ]
        references = [f"{reference}{self.suffix}" for reference, *_ in entries]
        found = by_key(SanctionsEntry.objects.filter(source="UNSC", reference__in=references), "reference")
        rows = [
            {
                "source": "UNSC",
                "reference": f"{reference}{self.suffix}",
                "kind": kind,
                "name": name,
                "aliases": aliases,
                "nationality": nationality,
                "listed_on": self.today - dt.timedelta(days=900 + 30 * n),
                "comments": "Fictional entry for the Parley demo.",
            }
            for n, (reference, kind, name, aliases, nationality) in enumerate(entries)
            if (f"{reference}{self.suffix}",) not in found
        ]
        if self.number == 1:  # as the sanctions list's page stores them; further copies import theirs at once
            found.update(by_key([sanctions_entry_create(**row) for row in rows], "reference"))
        elif rows:
            found.update(by_key(sanctions_entries_import(rows=rows), "reference"))
        hits = [
            (
                pending.participant,
                found[(f"QDi.902{self.suffix}",)],
                {
                    "score": Decimal("88.50"),
                    "matched_name": f"{pending_first} {pending_last}",  # as screening records a hit
                    "explanation": {"name": 88.5, "matched": "alias", "score": 88.5},
                },
            ),
            (
                cleared.participant,
                found[(f"QDi.903{self.suffix}",)],
                {
                    "score": Decimal("71.00"),
                    "matched_name": f"{cleared_first} {cleared_last}",
                    "explanation": {"name": 71.0, "matched": "alias", "score": 71.0},
                    "status": SanctionsHit.Status.CLEARED,
                    "resolved_by": self.admin,
                    "resolved_at": self.days(-205),
                    "note": "Different date of birth and nationality; not the same person.",
                },
            ),
        ]
        stored = SanctionsHit.objects.filter(participant__in=[participant for participant, *_ in hits])
        found_hits = set(stored.values_list("participant_id", "entry_id"))
        rows = [
            {"participant": participant, "entry": entry, **fields}
            for participant, entry, fields in hits
            if (participant.pk, entry.pk) not in found_hits
        ]
        if self.number == 1:
            for row in rows:
                sanctions_hit_create(**row)
        elif rows:
            sanctions_hits_import(rows=rows)

    # Initiatives ----------------------------------------------------------------------------------

    def initiative_fields(self, plan):
        return {
            "created_by": self.users[CREATORS[plan.codename]],
            "observers": [] if plan is BACKCHANNEL else [self.users[OBSERVER]],
            "codename": f"{plan.codename}{self.suffix}",
            "title": f"{plan.title}{self.label}",
            "conflict": plan.conflict,
            "track": plan.track,
            "phase": plan.phase,
            "level": plan.level,
            "objectives": plan.objectives,
        }

    def initiative_lists(self, plan):
        """An initiative's parties and funding, as rows of its lists."""
        start, end = dt.date(self.today.year - 1, 1, 1), dt.date(self.today.year + 1, 12, 31)
        return {
            "parties": [
                {"name": name, "description": PARTY_DESCRIPTIONS.get(name, "")}
                for name, _culture, _size in plan.parties
            ],
            "fundings": [
                {"donor": donor, "amount": Decimal(amount), "currency": currency, "starts_on": start, "ends_on": end}
                for codename, donor, amount, currency in FUNDING
                if codename == plan.codename
            ],
        }

    def seed_initiatives(self):
        """The three initiatives with their lead, observers, parties and funding.

        Copy 1 creates each as the pages do (``initiative_create``, then its lists: ``initiative_update``);
        further copies import theirs at once (``initiatives_import``). Stored ones get what they miss.
        """
        codenames = {plan.codename: f"{plan.codename}{self.suffix}" for plan in PLANS}
        stored = Initiative.objects.filter(codename__in=codenames.values()).prefetch_related(
            "observers", "team_memberships__user", "parties", "fundings"
        )
        found = by_key(stored, "codename")
        missing = [plan for plan in PLANS if (codenames[plan.codename],) not in found]
        if self.number > 1 and missing:
            rows = [{**self.initiative_fields(plan), **self.initiative_lists(plan)} for plan in missing]
            initiatives_import(rows=rows)
        elif missing:
            for plan in missing:
                initiative_create(**self.initiative_fields(plan))
            stored = stored.all()  # read again, with those just created: their lists come next
        for initiative in stored:
            plan = next(plan for plan in PLANS if codenames[plan.codename] == initiative.codename)
            self.complete_initiative(
                plan,
                initiative,
                observers=list(initiative.observers.all()),
                team=[
                    {"id": member.pk, "user": member.user, "role": member.role}
                    for member in initiative.team_memberships.all()
                ],
                parties=[
                    {"id": party.pk, "name": party.name, "description": party.description}
                    for party in initiative.parties.all()
                ],
                fundings=[
                    {name: getattr(funding, name) for name in ("donor", "amount", "currency", "starts_on", "ends_on")}
                    | {"id": funding.pk}
                    for funding in initiative.fundings.all()
                ],
            )
        found = by_key(Initiative.objects.filter(codename__in=codenames.values()), "codename")
        return {plan.codename: found[(codenames[plan.codename],)] for plan in PLANS}

    def complete_initiative(self, plan, initiative, *, observers, team, parties, fundings):
        """Give ``initiative`` the observers, lead, parties and funding it misses, beside those it has (given
        as the rows of its lists)."""
        fields, lists = self.initiative_fields(plan), self.initiative_lists(plan)
        creator = fields["created_by"]
        new_observers = [user for user in fields["observers"] if user not in observers]
        new_team = []
        if creator.pk not in {row["user"].pk for row in team}:
            new_team.append({"id": None, "user": creator, "role": TeamMembership.Role.LEAD})
        names, donors = {row["name"] for row in parties}, {row["donor"] for row in fundings}
        new_parties = [{"id": None, **row} for row in lists["parties"] if row["name"] not in names]
        new_fundings = [{"id": None, **row} for row in lists["fundings"] if row["donor"] not in donors]
        if new_observers or new_team or new_parties or new_fundings:
            initiative_update(
                initiative=initiative,
                by=creator,
                observers=[*observers, *new_observers] if new_observers else None,
                team=[*team, *new_team] if new_team else None,
                parties=[*parties, *new_parties] if new_parties else None,
                fundings=[*fundings, *new_fundings] if new_fundings else None,
            )

    def parties_of(self, initiatives):
        found = by_key(Party.objects.filter(initiative__in=initiatives.values()), "initiative_id", "name")
        return {
            plan.codename: [found[(initiatives[plan.codename].pk, name)] for name, _c, _s in plan.parties]
            for plan in PLANS
        }

    def workshop_fields(self, plan, initiative):
        first_day = self.today + dt.timedelta(days=plan.day_offset)
        last_day = first_day + dt.timedelta(days=plan.days - 1)
        virtual = plan.kind == W.VIRTUAL
        return {
            "title": plan.title,
            "kind": plan.kind,
            "venue": plan.venue,
            "city": plan.city,
            "country": plan.country,
            "time_zone": plan.time_zone,
            "starts_at": local_time(first_day, 13 if virtual else 9, 0, plan.time_zone),
            "ends_at": local_time(last_day, 15 if virtual else 17, 30 if not virtual else 0, plan.time_zone),
            "languages": list(plan.languages),
            "interpretation": plan.interpretation,
            "capacity": plan.capacity,
            "level": initiative.level,
            "status": plan.status,
        }

    def seed_workshops(self, initiatives):
        """Each initiative's workshops with their agendas. A cancelled one is planned first, then cancelled.

        Copy 1 creates them one by one, as the workshop page does (``workshop_create``); further copies
        import each creator's workshops at once (``workshops_import``), as large scales need.
        """
        stored = Workshop.objects.filter(initiative__in=initiatives.values()).prefetch_related("sessions")
        found = by_key(stored, "initiative_id", "title")
        workshops, missing = {}, []
        for codename, group in WORKSHOP_PLANS.items():
            initiative, creator = initiatives[codename], self.users[CREATORS[codename]]
            for plan in group:
                workshop = found.get((initiative.pk, plan.title))
                if workshop is None:
                    missing.append((codename, plan))
                else:
                    self.complete_agenda(codename, workshop, creator)
                    workshops[(codename, plan.key)] = workshop
        rows = {}  # creator -> [(codename, plan, row)]
        for codename, plan in missing:
            fields = self.workshop_fields(plan, initiatives[codename])
            if plan.status == Workshop.Status.CANCELLED:
                fields["status"] = Workshop.Status.PLANNED
            sessions = session_rows(codename, **{name: fields[name] for name in AGENDA_FROM})
            rows.setdefault(self.users[CREATORS[codename]], []).append(
                (codename, plan, {"initiative": initiatives[codename], "sessions": sessions, **fields})
            )
        for creator, planned in rows.items():
            if self.number == 1:
                created = [workshop_create(by=creator, **row) for *_, row in planned]
            else:
                created = workshops_import(by=creator, rows=[row for *_, row in planned])
            for (codename, plan, _row), workshop in zip(planned, created, strict=True):
                if plan.status == Workshop.Status.CANCELLED:
                    workshop_update(workshop=workshop, by=creator, status=plan.status)
                workshops[(codename, plan.key)] = workshop
        return {
            (codename, plan.key): workshops[(codename, plan.key)]
            for codename, group in WORKSHOP_PLANS.items()
            for plan in group
        }

    def complete_agenda(self, codename, workshop, creator):
        sessions = [
            {"id": session.pk, "title": session.title, "starts_at": session.starts_at, "ends_at": session.ends_at}
            for session in workshop.sessions.all()
        ]
        titles = {session.title for session in workshop.sessions.all()}
        agenda = session_rows(codename, **{name: getattr(workshop, name) for name in AGENDA_FROM})
        missing = [row for row in agenda if row["title"] not in titles]
        if missing:
            workshop_update(workshop=workshop, by=creator, sessions=[*sessions, *missing])

    def seed_assignments(self, workshops):
        facilitator = self.users[FACILITATOR].facilitator
        facilitated = [workshops[(REGIONAL.codename, key)] for key in FACILITATED]
        found = set(Assignment.objects.filter(workshop__in=facilitated).values_list("workshop_id", "facilitator_id"))
        for workshop in facilitated:
            if (workshop.pk, facilitator.pk) not in found:
                assignment_create(workshop=workshop, facilitator=facilitator, role=Assignment.Role.LEAD)

    # Invitations ----------------------------------------------------------------------------------

    def invitation_fields(self, workshop, status, index):
        # A queued invitation is a draft sent through the outbox once imported (``invitations_sent``).
        fields = {"status": IS.DRAFT if status == IS.QUEUED else status, "token_sequence": 0}
        if status not in (IS.DRAFT, IS.QUEUED):
            fields["token_sequence"] = 1
            before = (workshop.starts_at - self.now).days - 20 if workshop.starts_at < self.now else -3 - index % 9
            fields["sent_at"] = self.days(min(before - 7, 0) if status in RESPONDED else -1 - index % 9)
        if status in RESPONDED:
            fields["responded_at"] = self.days(before)
        if index % 4 == 1 and status in (IS.ACCEPTED, IS.ATTENDED, IS.NO_SHOW) and workshop.country:
            fields.update(
                needs_visa_letter=True,
                needs_travel_support=True,
                visa_letter_issued_at=min(workshop.starts_at - dt.timedelta(days=25), self.now),
            )
            purge_at = workshop.ends_at + dt.timedelta(days=30)
            if purge_at < self.now:
                fields["passport_purged_at"] = purge_at
            else:
                fields.update(
                    passport_number=f"P{4711000 + workshop.pk * 100 + index}",
                    passport_expires_on=self.today + dt.timedelta(days=1500),
                )
        if workshop.interpretation and index % 3 == 0:
            fields["needs_interpretation"] = True
        fields["dietary_requirements"] = ("", "Vegetarian", "", "Halal", "", "No nuts")[index % 6]
        return fields

    def seed_invitations(self, workshops, parties, people):
        wanted = []  # (workshop, participant, party, status, index)
        for (codename, key), workshop in workshops.items():
            for person in people[codename]:
                if person.circle is None:
                    status = INVITATIONS[(codename, key)](person.index, person.party)
                else:
                    status = circle_invitations(codename, person.circle).get(key)
                if status is not None and person.vetting != VettingCase.Status.REJECTED:
                    wanted.append((workshop, person.participant, parties[codename][person.party], status, person.index))
        account = self.participant_account  # None in a colleagues' copy: participant@ is invited by the demo's team
        for (codename, key), party in (((REGIONAL.codename, "vienna"), 1), ((CIVIL_SOCIETY.codename, "amman"), 0)):
            if account is not None:
                wanted.append((workshops[(codename, key)], account, parties[codename][party], IS.ACCEPTED, 0))
        stored = Invitation.objects.filter(workshop__in=workshops.values()).order_by()
        found = by_key(stored.only("workshop_id", "participant_id", "status"), "workshop_id", "participant_id")
        rows = [
            {
                "workshop": workshop,
                "participant": participant,
                "party": party,
                **self.invitation_fields(workshop, status, index),
            }
            for workshop, participant, party, status, index in wanted
            if (workshop.pk, participant.pk) not in found
        ]
        invitations = [*found.values(), *(invitations_import(rows=rows) if rows else [])]
        self.invitations_sent(workshops, wanted, invitations)
        chased = set(
            InvitationReminder.objects.filter(
                invitation__workshop__in=workshops.values(), kind=InvitationReminder.Kind.CHASE
            ).values_list("invitation_id", flat=True)
        )
        unchased = [
            invitation for invitation in invitations if invitation.status == IS.SENT and invitation.pk not in chased
        ]
        if unchased:
            invitation_reminders_record(invitations=unchased, kind=InvitationReminder.Kind.CHASE)

    def invitations_sent(self, workshops, wanted, invitations):
        """The invitations planned as queued, sent as staff send them (``invitations_send``): each gets its
        message in the outbox, which the demo's worker then delivers (to var/mail)."""
        queued = {
            (workshop.pk, participant.pk) for workshop, participant, _, status, _ in wanted if status == IS.QUEUED
        }
        by_workshop = {}
        for invitation in invitations:
            if (invitation.workshop_id, invitation.participant_id) in queued and invitation.status == IS.DRAFT:
                by_workshop.setdefault(invitation.workshop_id, []).append(invitation)
        for (codename, _key), workshop in workshops.items():
            if workshop.pk in by_workshop:
                creator = self.users[CREATORS[codename]]
                invitations_send(workshop=workshop, invitations=by_workshop[workshop.pk], by=creator)

    # Documents and outcomes -----------------------------------------------------------------------

    def seed_documents(self, initiatives, workshops):
        """Each paper, with its text as a PDF for version 1. Copy 1 files each as the pages do
        (``document_create``, ``document_version_add``); further copies import theirs at once."""
        stored = Document.objects.filter(
            Q(initiative__in=initiatives.values()) | Q(workshop__initiative__in=initiatives.values())
        )
        found = by_key(stored, "initiative_id", "workshop_id", "title")
        versioned = set(DocumentVersion.objects.filter(document__in=stored).values_list("document_id", flat=True))
        rows = []
        for codename, key, title, kind, level, audience, uploader in DOCUMENTS:
            initiative = None if key else initiatives[codename]
            workshop = workshops[(codename, key)] if key else None
            by = self.users[uploader]
            document = found.get((getattr(initiative, "pk", None), getattr(workshop, "pk", None), title))
            fields = {"initiative": initiative, "workshop": workshop, "title": title, "kind": kind, "level": level}
            if document is None and self.number > 1:
                rows.append({**fields, "audience": audience, "by": by, "file": self.document_file(Document(**fields))})
                continue
            if document is None:
                document = document_create(by=by, **fields, audience=audience)
            if document.pk not in versioned:
                document_version_add(document=document, file=self.document_file(document), by=by)
        if rows:
            documents_import(rows=rows)

    def document_file(self, document):
        lines = [
            line.format(kind=document.get_kind_display(), level=document.get_level_display()) for line in DOCUMENT_TEXT
        ]
        return ContentFile(demo_pdf(document.title, lines), name=f"{slugify(document.title)[:60]}.pdf")

    def seed_reports(self, workshops):
        # One report per workshop (these), and one per agenda session (``seed_session_report``).
        workshop_reports = OutcomeReport.objects.filter(workshop__in=workshops.values(), session__isnull=True)
        found = by_key(workshop_reports, "workshop_id")
        reports = {}
        for key, status, author, approver in REPORTS:
            workshop = workshops[key]
            report = found.get((workshop.pk,))
            if report is None:
                fields = {"status": status, "level": workshop.level, **REPORT_TEXTS}
                if status != OutcomeReport.Status.DRAFT:
                    fields["submitted_at"] = workshop.ends_at + dt.timedelta(days=6)
                if approver is not None:
                    fields.update(
                        approved_by=self.users[approver],
                        approved_at=workshop.ends_at + dt.timedelta(days=10),
                        approved_version=1,
                        public_summary=PUBLIC_SUMMARY,
                    )
                report = outcome_report_create(workshop=workshop, author=self.users[author], **fields)
            reports[key] = report
        self.seed_session_report(workshops)
        self.seed_action_items(reports)
        self.seed_briefing(reports, workshops)

    def seed_session_report(self, workshops):
        """A report of one agenda session, returned to its facilitator with the lead's comments."""
        key, author, comment = RETURNED_SESSION_REPORT
        workshop = workshops[key]
        session = workshop.sessions.order_by("starts_at", "pk").first()
        if session is None or OutcomeReport.objects.filter(session=session).exists():
            return
        outcome_report_create(
            workshop=workshop,
            session=session,
            author=self.users[author],
            status=OutcomeReport.Status.RETURNED,
            submitted_at=workshop.ends_at + dt.timedelta(days=3),
            review_comment=comment,
            level=workshop.level,
            summary=REPORT_TEXTS["summary"],
        )

    def seed_action_items(self, reports):
        found = set(ActionItem.objects.filter(report__in=reports.values()).values_list("report_id", "title"))
        for key, title, owner, due, status in ACTION_ITEMS:
            report = reports[key]
            if (report.pk, title) not in found:
                action_item_create(
                    report=report,
                    title=title,
                    owner=self.users[owner],
                    due_on=self.today + dt.timedelta(days=due),
                    status=status,
                    completed_at=self.days(due) if status == ActionItem.Status.DONE else None,
                )
        key, title, due = PARTICIPANT_ACTION_ITEM
        report = reports[key]
        if (report.pk, title) not in found:
            attended = (
                Invitation.objects.filter(workshop=report.workshop, status=Invitation.Status.ATTENDED)
                .select_related("participant")
                .order_by("pk")
                .first()
            )
            if attended is not None:
                action_item_create(
                    report=report,
                    title=title,
                    owner_participant=attended.participant,
                    due_on=self.today + dt.timedelta(days=due),
                )

    def seed_briefing(self, reports, workshops):
        report, workshop = reports[BRIEFING["workshop"]], workshops[BRIEFING["workshop"]]
        if not TrackOneBriefing.objects.filter(report=report, recipient=BRIEFING["recipient"]).exists():
            track_one_briefing_create(
                user=self.users[BRIEFING["briefed_by"]],
                report=report,
                reports=[report],
                recipient=BRIEFING["recipient"],
                recipient_role=BRIEFING["recipient_role"],
                briefing_level=BRIEFING["briefing_level"],
                briefed_on=workshop.ends_at.date() + dt.timedelta(days=BRIEFING["days_after_workshop"]),
                shared=BRIEFING["shared"],
            )


def seed_sanctions_list(admin):
    """The fictional consolidated list (``participants/sanctions_data``), imported once as the sanctions page
    imports a file, and everyone screened against it here and now (as the Celery task would)."""
    if SanctionsList.objects.filter(source="UNSC").exists():
        return
    sanctions_list_import(data=FICTIONAL_LIST.read_bytes(), file_name=FICTIONAL_LIST.name, by=admin, screen=False)
    run = screening_run_request(reason="list_import", by=admin)
    screening_run_process(run.pk)


@transaction.atomic
def demo_seed(*, scale=1, participants_per_copy=STORY_PARTICIPANTS, portfolio=PORTFOLIO):
    """Create (or complete) the demo data set with ``scale`` copies of the initiatives, each with
    ``participants_per_copy`` participants: the story's own, and a wider circle (``Person.circle``) for
    the rest. The demo sign-ins run the first ``portfolio`` copies, and each further ``portfolio`` copies are
    run by a team of colleagues (``seed_team``), so that what the demo's lead, facilitator and observer take
    part in stays the same at any scale; ``portfolio=scale`` gives them every copy."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if participants_per_copy < STORY_PARTICIPANTS:
        raise ValueError(f"participants_per_copy must be at least {STORY_PARTICIPANTS}")
    if portfolio < 1:
        raise ValueError("portfolio must be at least 1")
    before = row_counts()
    result = SeedResult(scale=scale)
    users = seed_logins(result)
    organisations = DemoCopy(1, users=users, participant_account=None).seed_organisations()
    participant_account = seed_participant_account(users, organisations)
    team_users = users
    for number in range(1, scale + 1):
        team = (number - 1) // portfolio + 1
        if (number - 1) % portfolio == 0:
            team_users = seed_team(team, users=users)
        DemoCopy(
            number,
            users=team_users,
            participant_account=participant_account if team == 1 else None,
            circle=participants_per_copy - STORY_PARTICIPANTS,
        ).build()
        if number & (number - 1) == 0 or number == scale:  # whenever the copies have doubled, and at the end
            statistics_refreshed()
    seed_sanctions_list(users[ADMIN])
    result.created = row_counts() - before
    return result
