"""The demo data set: a realistic, entirely fictional Parley installation.

``demo_seed(scale=N)`` builds one login per role and N copies of three initiatives shaped like real
Track II work (a four-party regional security dialogue, a two-party backchannel, an inclusive
civil-society dialogue) with their participants, vetting, workshops, invitations, documents and
outcome reports. Copy 1 carries plain codenames and e-mails; copy k > 1 suffixes them with ``-k``.

It is idempotent: every row is found by its natural key (e-mail, codename, title within its parent,
(workshop, participant) …) and only missing rows are inserted, in bulk; nothing that exists is
changed. Workshop dates are computed from today, so a fresh demo always has past and future
meetings; times are local in the venue's zone and stored in UTC.
"""

import datetime as dt
import functools
import random
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from core.levels import Level, Role
from facilitators.models import (
    ActionItem,
    Assignment,
    Facilitator,
    OutcomeReport,
    OutcomeReportVersion,
    TrackOneBriefing,
)
from participants.models import (
    ConsentRecord,
    Organization,
    Participant,
    SanctionsEntry,
    SanctionsHit,
    VettingCase,
)

from .models import (
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

DEMO_PASSWORD = "parley-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str
    clearance: int
    is_staff: bool = False
    totp_secret: str = ""


ADMIN = "admin@parley.test"
STAFF = "staff@parley.test"
LEAD = "lead@parley.test"
FACILITATOR = "facilitator@parley.test"
PARTICIPANT = "participant@parley.test"
OBSERVER = "observer@parley.test"

# Fixed, printed TOTP secrets (base32) for the accounts that must sign in with a second factor:
# 160 bits each (32 base32 characters), as RFC 4226 recommends; TOTP libraries refuse fewer than 112.
# The admin is a plain admin with access to the Django admin site, not a superuser (DESIGN: superusers
# are the operators' break-glass accounts).
USERS = (
    DemoUser(
        ADMIN, "Ingrid Solvang", Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, True, "PARLEYDEMOADMINTWOFACTORSECRET22"
    ),
    DemoUser(STAFF, "Tomás Ferreira", Role.STAFF, Level.INTERNAL),
    DemoUser(
        LEAD, "Miriam Achterberg", Role.STAFF, Level.STRICTLY_CONFIDENTIAL, False, "PARLEYDEMOLEADTWOFACTORSECRET222"
    ),
    DemoUser(FACILITATOR, "Jean-Baptiste Ndiaye", Role.FACILITATOR, Level.CONFIDENTIAL),
    DemoUser(PARTICIPANT, "Nadia Karam", Role.PARTICIPANT, Level.CONFIDENTIAL),
    DemoUser(OBSERVER, "Henrik Aalto", Role.OBSERVER, Level.INTERNAL),
)

# --- People: name pools by region (countries, languages, women's and men's first names, surnames).
CULTURES = {
    "balkan": (
        ["RS", "HR", "BA", "MK", "SI"],
        ["en", "ru"],
        ["Milena", "Ivana", "Jelena", "Petra", "Snežana", "Ana", "Dragana", "Maja"],
        ["Luka", "Dragan", "Nikola", "Stefan", "Goran", "Marko", "Zoran", "Dejan"],
        ["Petrović", "Horvat", "Marković", "Kovačević", "Nikolić", "Babić", "Jovanović", "Tomić"],
    ),
    "levant": (
        ["LB", "JO", "EG"],
        ["ar", "en"],
        ["Layla", "Rania", "Nour", "Salma", "Huda", "Dina", "Yasmin", "Rasha", "Hiba"],
        ["Karim", "Omar", "Tariq", "Samir", "Youssef", "Khalil", "Fadi", "Nabil", "Ziad"],
        ["Haddad", "Khoury", "Mansour", "Saleh", "Barakat", "Hamdan", "Darwish", "Issa", "Aziz"],
    ),
    "gulf": (
        ["OM", "KW", "QA", "BH"],
        ["ar", "en"],
        ["Maryam", "Aisha", "Fatma", "Noura", "Shaikha", "Latifa"],
        ["Saif", "Hamad", "Khalid", "Sultan", "Faisal", "Rashid", "Majid"],
        ["Al-Balushi", "Al-Harthy", "Al-Kuwari", "Al-Mahri", "Al-Sabah", "Al-Nuaimi", "Al-Rawahi"],
    ),
    "east_african": (
        ["KE", "TZ", "UG", "ET"],
        ["en"],
        ["Wanjiru", "Amina", "Achieng", "Selam", "Neema", "Halima", "Mercy"],
        ["Kamau", "Otieno", "Dawit", "Baraka", "Musa", "Joseph", "Tesfaye"],
        ["Mwangi", "Odhiambo", "Kiprotich", "Njoroge", "Abebe", "Mutua", "Nakato", "Kariuki"],
    ),
    "latin": (
        ["CO", "PE", "CL", "MX"],
        ["es", "en"],
        ["Lucía", "Camila", "Valentina", "Daniela", "Mariana", "Paula"],
        ["Mateo", "Andrés", "Santiago", "Diego", "Javier", "Felipe"],
        ["García", "Rojas", "Morales", "Castillo", "Vargas", "Herrera", "Quintero", "Salazar"],
    ),
    "maghreb": (
        ["TN", "MA", "DZ"],
        ["ar", "fr"],
        ["Imen", "Sana", "Khadija", "Meriem", "Asma", "Leila", "Ines", "Souad"],
        ["Mehdi", "Anis", "Hichem", "Rachid", "Walid", "Sofiane", "Nizar", "Yassine"],
        ["Ben Salah", "Trabelsi", "El Idrissi", "Bouazizi", "Benali", "Gharbi", "Chaouch", "Ait Ahmed"],
    ),
    "west_african": (
        ["SN", "CI", "ML", "BF", "GH"],
        ["fr", "en"],
        ["Aminata", "Fatou", "Awa", "Mariam", "Adjoa", "Kadiatou", "Rokia", "Efua"],
        ["Moussa", "Ibrahima", "Kofi", "Seydou", "Oumar", "Abdoulaye", "Kwame", "Boubacar"],
        ["Diallo", "Ndiaye", "Traoré", "Koné", "Mensah", "Ouédraogo", "Sow", "Coulibaly"],
    ),
}

ORGANISATIONS = (
    # name, kind, country, mail domain
    ("Bridges of Dialogue Network", Organization.Kind.NGO, "JO", "bridges-dialogue.example"),
    ("Women Mediators' Circle", Organization.Kind.NGO, "KE", "wmcircle.example"),
    ("Coastal Communities Forum", Organization.Kind.NGO, "SN", "coastal-forum.example"),
    ("Lakeside Institute for Security Studies", Organization.Kind.THINK_TANK, "CH", "lakeside-iss.example"),
    ("Centre for Regional Futures", Organization.Kind.THINK_TANK, "LB", "regionalfutures.example"),
    ("Northern Policy Lab", Organization.Kind.THINK_TANK, "NO", "northernpolicylab.example"),
    ("Meridian University, School of Diplomacy", Organization.Kind.UNIVERSITY, "MY", "meridian-uni.example"),
    ("Andes Graduate Institute", Organization.Kind.UNIVERSITY, "CO", "andes-gi.example"),
    ("Carthage Centre for Peace Studies", Organization.Kind.UNIVERSITY, "TN", "carthage-cps.example"),
    ("Council for Maritime Cooperation", Organization.Kind.INTERNATIONAL, "AT", "cmc-secretariat.example"),
    ("Regional Water Commission", Organization.Kind.INTERNATIONAL, "OM", "rwc.example"),
    ("Office for Peace and Reconciliation", Organization.Kind.GOVERNMENT, "NP", "opr.example"),
    ("Maritime Affairs Directorate", Organization.Kind.GOVERNMENT, "GR", "mad.example"),
    ("Tessaro Shipping Group", Organization.Kind.BUSINESS, "GR", "tessaro.example"),
    ("Harbourline Logistics", Organization.Kind.BUSINESS, "AE", "harbourline.example"),
    ("The Corridor Review", Organization.Kind.MEDIA, "EG", "corridor-review.example"),
    ("Radio Horizon", Organization.Kind.MEDIA, "UG", "radiohorizon.example"),
    ("Council of Faith Leaders", Organization.Kind.OTHER, "NG", "faithcouncil.example"),
    ("Veterans for Dialogue", Organization.Kind.OTHER, "PL", "veterans-dialogue.example"),
)

C = Participant.Category
ORGANISATION_KINDS_BY_CATEGORY = {
    C.FORMER_OFFICIAL: ("government", "think_tank"),
    C.SERVING_OFFICIAL: ("government",),
    C.EXPERT: ("think_tank", "international"),
    C.ACADEMIC: ("university",),
    C.CIVIL_SOCIETY: ("ngo",),
    C.RELIGIOUS: ("other",),
    C.JOURNALIST: ("media",),
    C.BUSINESS: ("business",),
    C.OTHER: ("other", "ngo"),
}
TITLES_BY_CATEGORY = {
    C.FORMER_OFFICIAL: ("Former Deputy Minister of Defence", "Retired Rear Admiral", "Former Ambassador"),
    C.SERVING_OFFICIAL: ("Senior Adviser, Ministry of Foreign Affairs", "Director, Policy Planning"),
    C.EXPERT: ("Senior Fellow", "Maritime security analyst", "Programme Director"),
    C.ACADEMIC: ("Professor of International Relations", "Lecturer in Conflict Studies"),
    C.CIVIL_SOCIETY: ("Director", "Founder, women's network", "Youth organiser", "Community mediator"),
    C.RELIGIOUS: ("Member, interfaith council", "Parish priest", "Imam"),
    C.JOURNALIST: ("Editor", "Correspondent"),
    C.BUSINESS: ("Chief Executive", "Chair, chamber of commerce"),
    C.OTHER: ("Community elder", "Veterans' representative"),
}
G = Participant.Gender


@dataclass(frozen=True, eq=False)
class InitiativePlan:
    codename: str
    title: str
    conflict: str
    track: str
    phase: str
    level: int
    objectives: str
    parties: tuple  # (name, culture, size)
    genders: dict
    categories: dict


REGIONAL = InitiativePlan(
    codename="MERIDIAN",
    title="Calder Sea regional security dialogue",
    conflict="Calder Sea maritime and border tensions (fictional)",
    track=Initiative.Track.TRACK_TWO,
    phase=Initiative.Phase.ACTIVE,
    level=Level.CONFIDENTIAL,
    objectives="Reduce the risk of incidents at sea; explore a regional hotline and joint search and rescue; "
    "build a shared vocabulary for a future security architecture.",
    parties=(
        ("Aldmark", "balkan", 10),
        ("Kestova", "levant", 10),
        ("Sarrat", "gulf", 10),
        ("Tiberine Coast", "east_african", 10),
    ),
    genders={G.WOMAN: 35, G.MAN: 60, G.UNDISCLOSED: 5},
    categories={C.FORMER_OFFICIAL: 35, C.EXPERT: 25, C.ACADEMIC: 20, C.SERVING_OFFICIAL: 10, C.JOURNALIST: 10},
)
BACKCHANNEL = InitiativePlan(
    codename="KESTREL",
    title="Northern corridor backchannel",
    conflict="Northern corridor armed conflict (fictional)",
    track=Initiative.Track.TRACK_ONE_AND_A_HALF,
    phase=Initiative.Phase.PRE_NEGOTIATION,
    level=Level.STRICTLY_CONFIDENTIAL,
    objectives="Test the parties' readiness for formal talks; agree the sequencing of a humanitarian pause.",
    parties=(("Government of Varenia", "latin", 3), ("Northern Liberation Council", "latin", 3)),
    genders={G.WOMAN: 30, G.MAN: 70},
    categories={C.FORMER_OFFICIAL: 50, C.SERVING_OFFICIAL: 30, C.BUSINESS: 20},
)
CIVIL_SOCIETY = InitiativePlan(
    codename="TAPESTRY",
    title="Voices of the Naru valley: inclusive civil-society dialogue",
    conflict="Upper Naru valley land and water conflict (fictional)",
    track=Initiative.Track.TRACK_TWO,
    phase=Initiative.Phase.EXPLORATORY,
    level=Level.INTERNAL,
    objectives="Bring women, youth, faith and displaced people's voices into the peace process; "
    "map shared priorities on land, water and return.",
    parties=(
        ("Highland communities", "maghreb", 14),
        ("River communities", "west_african", 13),
        ("Displaced persons' associations", "levant", 13),
    ),
    genders={G.WOMAN: 50, G.MAN: 42, G.NON_BINARY: 4, G.UNDISCLOSED: 4},
    categories={C.CIVIL_SOCIETY: 45, C.RELIGIOUS: 12, C.JOURNALIST: 10, C.ACADEMIC: 13, C.BUSINESS: 10, C.OTHER: 10},
)


@dataclass(frozen=True)
class WorkshopPlan:
    key: str
    title: str
    kind: str
    venue: str
    city: str
    country: str
    time_zone: str
    day_offset: int  # from today
    days: int
    status: str
    capacity: int
    languages: tuple = ("en",)
    interpretation: bool = False


W = Workshop.Kind
WS = Workshop.Status
REGIONAL_WORKSHOPS = (
    WorkshopPlan(
        "geneva",
        "Round I: risk reduction at sea",
        W.WORKSHOP,
        "Villa Lacustre",
        "Geneva",
        "CH",
        "Europe/Zurich",
        -180,
        2,
        WS.HELD,
        30,
    ),
    WorkshopPlan(
        "oslo",
        "Round II: hotlines and communication",
        W.WORKSHOP,
        "Fjordside conference house",
        "Oslo",
        "NO",
        "Europe/Oslo",
        -75,
        2,
        WS.HELD,
        32,
    ),
    WorkshopPlan(
        "virtual", "Virtual follow-up: search and rescue", W.VIRTUAL, "", "", "", "UTC", 8, 1, WS.CONFIRMED, 16
    ),
    WorkshopPlan(
        "vienna",
        "Round III: a regional security architecture",
        W.WORKSHOP,
        "Palais Seitenstetten",
        "Vienna",
        "AT",
        "Europe/Vienna",
        21,
        2,
        WS.INVITING,
        44,
    ),
    WorkshopPlan(
        "muscat",
        "Round IV: from options to a joint statement",
        W.ROUNDTABLE,
        "Al Bustan meeting rooms",
        "Muscat",
        "OM",
        "Asia/Muscat",
        120,
        2,
        WS.PLANNED,
        34,
    ),
)
BACKCHANNEL_WORKSHOPS = (
    WorkshopPlan(
        "first",
        "First contact",
        W.BACKCHANNEL,
        "Private residence",
        "Muscat",
        "OM",
        "Asia/Muscat",
        -40,
        1,
        WS.HELD,
        8,
        ("es", "en"),
    ),
    WorkshopPlan(
        "second",
        "Sequencing a humanitarian pause",
        W.BACKCHANNEL,
        "Lakeside villa",
        "Geneva",
        "CH",
        "Europe/Zurich",
        14,
        2,
        WS.CONFIRMED,
        8,
        ("es", "en"),
    ),
)
CIVIL_SOCIETY_WORKSHOPS = (
    WorkshopPlan(
        "tunis",
        "Tunis consultation: priorities for the valley",
        W.CONFERENCE,
        "Dar Lasram",
        "Tunis",
        "TN",
        "Africa/Tunis",
        -30,
        2,
        WS.HELD,
        45,
        ("ar", "en", "fr"),
        True,
    ),
    WorkshopPlan(
        "amman",
        "Amman consultation: land, water and return",
        W.WORKSHOP,
        "Jabal Amman centre",
        "Amman",
        "JO",
        "Asia/Amman",
        45,
        2,
        WS.INVITING,
        45,
        ("ar", "en", "fr"),
        True,
    ),
    WorkshopPlan(
        "marseille",
        "Diaspora seminar",
        W.SEMINAR,
        "Maison de la Méditerranée",
        "Marseille",
        "FR",
        "Europe/Paris",
        80,
        1,
        WS.CANCELLED,
        25,
        ("ar", "fr"),
        True,
    ),
)
SESSION_TITLES = {
    REGIONAL.codename: (
        "Welcome and ground rules",
        "Where do we stand?",
        "Incidents at sea: what went wrong",
        "Options workshop",
        "Testing the options",
        "Next steps",
    ),
    BACKCHANNEL.codename: (
        "Ground rules and confidentiality",
        "Each side's red lines",
        "Sequencing",
        "What each side can take home",
    ),
    CIVIL_SOCIETY.codename: (
        "Opening in three languages",
        "Listening circles",
        "Land and water",
        "Return and property",
        "Women and youth priorities",
        "Messages to the negotiators",
    ),
}
IS = Invitation.Status
# Status of each invitee of the regional Vienna round, by index within their delegation.
VIENNA_STATUSES = (
    IS.ACCEPTED,
    IS.ACCEPTED,
    IS.SENT,
    IS.ACCEPTED,
    IS.DECLINED,
    IS.QUEUED,
    IS.ACCEPTED,
    IS.SENT,
    IS.DRAFT,
    IS.DRAFT,
)
AMMAN_STATUSES = (
    IS.ACCEPTED,
    IS.SENT,
    IS.ACCEPTED,
    IS.DECLINED,
    IS.QUEUED,
    IS.DRAFT,
    IS.ACCEPTED,
    IS.SENT,
    IS.WITHDRAWN,
    IS.ACCEPTED,
    IS.ACCEPTED,
    IS.SENT,
)
RESPONDED = {IS.ACCEPTED, IS.DECLINED, IS.ATTENDED, IS.NO_SHOW}
# Who is invited to each workshop, by (index within their delegation, delegation): a status, or None.
INVITATIONS = {
    ("MERIDIAN", "geneva"): lambda i, p: None if i > 5 else IS.NO_SHOW if i == 5 and p in (0, 2) else IS.ATTENDED,
    ("MERIDIAN", "oslo"): lambda i, p: None if i > 6 else IS.NO_SHOW if (i, p) == (4, 1) else IS.ATTENDED,
    ("MERIDIAN", "virtual"): lambda i, p: None if i > 2 else IS.DECLINED if (i, p) == (2, 3) else IS.ACCEPTED,
    ("MERIDIAN", "vienna"): lambda i, p: IS.WITHDRAWN if (i, p) == (7, 0) else VIENNA_STATUSES[i],
    ("MERIDIAN", "muscat"): lambda i, p: None if i > 7 else IS.DRAFT,
    ("KESTREL", "first"): lambda i, p: IS.ATTENDED,
    ("KESTREL", "second"): lambda i, p: IS.SENT if (i, p) == (2, 1) else IS.ACCEPTED,
    ("TAPESTRY", "tunis"): lambda i, p: None if i > 9 else IS.NO_SHOW if i == 9 else IS.ATTENDED,
    ("TAPESTRY", "amman"): lambda i, p: None if i > 11 else AMMAN_STATUSES[i],
    ("TAPESTRY", "marseille"): lambda i, p: None if i > 1 else IS.WITHDRAWN,
}


@dataclass
class Person:
    """A generated participant and what the demo does with them."""

    row: dict
    party: int
    index: int
    vetting: str = ""  # a VettingCase status, "expiring" (approved, soon expiring) or "" for none
    participant: Participant = None


@dataclass
class SeedResult:
    scale: int
    created: Counter = field(default_factory=Counter)
    users: list = field(default_factory=list)
    totp: list = field(default_factory=list)  # (email, secret, otpauth URI)


def ensure(model, key, rows, *, existing, created):
    """Insert the rows whose natural ``key`` (attribute names) is not among ``existing`` yet, in one
    bulk insert, and return every row of the set by natural key. Rows that exist are left alone."""
    found = {tuple(getattr(obj, name) for name in key): obj for obj in existing}
    new = []
    for row in rows:
        natural = tuple(row[name] for name in key)
        if natural not in found:
            found[natural] = model(**row)
            new.append(found[natural])
    model.objects.bulk_create(new)
    created[model._meta.label] += len(new)
    return found


def local_time(day, hour, minute, zone):
    """A wall-clock time at the venue, as a UTC datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def demo_pdf(title, lines):
    """A small, valid one-page PDF with the given text (ASCII)."""

    def escape(text):
        text = text.encode("ascii", "replace").decode("ascii")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 15 Tf", "72 770 Td", f"({escape(title)}) Tj", "/F1 11 Tf", "0 -30 Td"]
    for line in lines:
        ops += [f"({escape(line)}) Tj", "0 -16 Td"]
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


# --- Accounts, shared by every copy ------------------------------------------------------------


@functools.cache
def demo_password_hash():
    """One hash for every demo account: the password is public anyway, and each hash costs ~0.2 s."""
    return make_password(DEMO_PASSWORD)


# What older versions of the demo wrote and this one corrects once: 80-bit TOTP secrets, and a demo
# admin that was a superuser.
RETIRED_TOTP_SECRETS = {ADMIN: "PARLEYDEMOADMIN2", LEAD: "PARLEYDEMOLEAD22"}


def upgrade_older_demo_account(user, spec):
    if user.is_superuser:
        user.is_superuser = False
        user.save(update_fields=["is_superuser"])
    retired = RETIRED_TOTP_SECRETS.get(spec.email)
    if retired:
        for authenticator in Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP):
            if authenticator.data.get("secret") == retired:
                authenticator.delete()  # seed_users activates the printed secret in its place


def seed_users(result):
    User = get_user_model()
    users = {}
    for spec in USERS:
        user, made = User.objects.get_or_create(
            email=spec.email,
            defaults={
                "full_name": spec.full_name,
                "role": spec.role,
                "clearance": spec.clearance,
                "is_staff": spec.is_staff,
                "is_superuser": False,
            },
        )
        if made:
            user.password = demo_password_hash()
            user.save(update_fields=["password"])
            result.created[User._meta.label] += 1
        else:
            upgrade_older_demo_account(user, spec)
        _, made = EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        result.created["account.EmailAddress"] += int(made)
        if spec.totp_secret:
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, spec.totp_secret)
                result.created["mfa.Authenticator"] += 1
            uri = get_mfa_adapter().build_totp_url(user, spec.totp_secret)
            result.totp.append((user.email, spec.totp_secret, uri))
        users[spec.email] = user
        result.users.append(user)
    _, made = Facilitator.objects.get_or_create(
        user=users[FACILITATOR],
        defaults={
            "languages": ["en", "fr", "ar"],
            "expertise": "Maritime security, insider mediation, Chatham House facilitation in three languages.",
        },
    )
    result.created[Facilitator._meta.label] += int(made)
    return users


def seed_participant_account(users, organisations, result):
    """The Participant record behind participant@, shared by every copy."""
    now = timezone.now()
    participant, made = Participant.objects.get_or_create(
        email=PARTICIPANT,
        defaults={
            "full_name": users[PARTICIPANT].full_name,
            "user": users[PARTICIPANT],
            "nationality": "LB",
            "languages": ["ar", "en", "fr"],
            "gender": G.WOMAN,
            "organization": organisations["Centre for Regional Futures"],
            "title": "Senior researcher",
            "category": C.EXPERT,
        },
    )
    if made:
        result.created[Participant._meta.label] += 1
        VettingCase.objects.create(
            participant=participant,
            status=VettingCase.Status.APPROVED,
            reviewer=users[ADMIN],
            identity_checked=True,
            references_checked=True,
            conflict_of_interest_checked=True,
            sanctions_screened=True,
            decided_at=now - dt.timedelta(days=90),
            expires_at=now + dt.timedelta(days=275),
            notes="References from two former colleagues.",
        )
        ConsentRecord.objects.bulk_create(
            [
                ConsentRecord(participant=participant, kind=kind, given_at=now - dt.timedelta(days=95))
                for kind in (ConsentRecord.Kind.DATA_PROCESSING, ConsentRecord.Kind.CHATHAM_HOUSE)
            ]
        )
        result.created[VettingCase._meta.label] += 1
        result.created[ConsentRecord._meta.label] += 2
    return participant


# --- One copy of the data set -------------------------------------------------------------------


class DemoCopy:
    """Copy ``number`` of the three initiatives and everything around them."""

    def __init__(self, number, *, users, participant_account, created):
        self.number = number
        self.suffix = "" if number == 1 else f"-{number}"
        self.label = "" if number == 1 else f" ({number})"
        self.users = users
        self.participant_account = participant_account
        self.created = created
        self.rng = random.Random(f"parley-demo-{number}")
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.emails = set()

    def ensure(self, model, key, rows, existing):
        return ensure(model, key, rows, existing=existing, created=self.created)

    def days(self, n):
        return self.now + dt.timedelta(days=n)

    def build(self):
        self.organisations = self.seed_organisations()
        people = {plan.codename: self.generate_people(plan) for plan in (REGIONAL, BACKCHANNEL, CIVIL_SOCIETY)}
        self.seed_participants([person for group in people.values() for person in group])
        initiatives = {plan.codename: self.seed_initiative(plan) for plan in (REGIONAL, BACKCHANNEL, CIVIL_SOCIETY)}
        self.seed_team_and_funding(initiatives)
        parties = self.seed_parties(initiatives)
        workshops = self.seed_workshops(initiatives)
        self.seed_assignments(workshops)
        self.seed_invitations(workshops, parties, people)
        self.seed_sanctions(people)
        self.seed_documents(initiatives, workshops)
        self.seed_reports(workshops)

    # People ---------------------------------------------------------------------------------------

    def seed_organisations(self):
        rows = [
            {"name": f"{name}{self.label}", "kind": kind, "country": country}
            for name, kind, country, _domain in ORGANISATIONS
        ]
        names = [row["name"] for row in rows]
        found = self.ensure(Organization, ("name",), rows, Organization.objects.filter(name__in=names))
        by_name = {name: found[(f"{name}{self.label}",)] for name, *_ in ORGANISATIONS}
        self.domains = {by_name[name].pk: domain for name, _kind, _country, domain in ORGANISATIONS}
        self.by_kind = {}
        for name, kind, *_ in ORGANISATIONS:
            self.by_kind.setdefault(str(kind), []).append(by_name[name])
        return by_name

    def pick(self, weights):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def generate_people(self, plan):
        people = []
        for party, (_name, culture, size) in enumerate(plan.parties):
            countries, languages, women, men, surnames = CULTURES[culture]
            for index in range(size):
                gender = self.pick(plan.genders)
                first_names = women if gender == G.WOMAN else men if gender == G.MAN else self.rng.choice([women, men])
                first, last = self.rng.choice(first_names), self.rng.choice(surnames)
                category = self.pick(plan.categories)
                organisation = self.rng.choice(
                    [org for kind in ORGANISATION_KINDS_BY_CATEGORY[category] for org in self.by_kind[kind]]
                )
                row = {
                    "full_name": f"{first} {last}",
                    "email": self.email_for(first, last, self.domains[organisation.pk]),
                    "nationality": self.rng.choice(countries),
                    "languages": list(languages) if self.rng.random() < 0.7 else [*languages, "fr"][:3],
                    "gender": gender,
                    "organization_id": organisation.pk,
                    "title": self.rng.choice(TITLES_BY_CATEGORY[category]),
                    "category": category,
                    "personal_capacity": category != C.SERVING_OFFICIAL,
                    "risk_level": self.rng.choices(Participant.RiskLevel.values[:2], weights=(8, 2))[0],
                    "level": Level.INTERNAL,
                    "codename": "",
                }
                people.append(Person(row=row, party=party, index=index))
        for person in people:
            person.row["languages"] = list(dict.fromkeys(person.row["languages"]))
        self.shape_people(plan, people)
        return people

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
        emails = [person.row["email"] for person in people]
        found = self.ensure(
            Participant, ("email",), [person.row for person in people], Participant.objects.filter(email__in=emails)
        )
        for person in people:
            person.participant = found[(person.row["email"],)]
        self.seed_vetting(people)
        self.seed_consents(people)

    def seed_vetting(self, people):
        V = VettingCase.Status
        admin = self.users[ADMIN]
        rows = []
        for person in people:
            if not person.vetting:
                continue
            status = V.APPROVED if person.vetting == "expiring" else person.vetting
            row = {"participant_id": person.participant.pk, "status": status, "reviewer_id": admin.pk}
            if status in VettingCase.DECIDED:
                decided = self.days(-335 if person.vetting == "expiring" else -200 - person.index)
                row.update(
                    decided_at=decided,
                    identity_checked=True,
                    references_checked=True,
                    conflict_of_interest_checked=True,
                    sanctions_screened=True,
                )
                if status in VettingCase.APPROVED_STATUSES:
                    row["expires_at"] = decided + dt.timedelta(days=365)
                    row["notes"] = "Two independent references; no conflict of interest found."
                if status == V.APPROVED_WITH_CONDITIONS:
                    row["conditions"] = "Personal capacity only; no contact with media about the dialogue."
                if status == V.REJECTED:
                    row["decided_at"] = self.days(-20)
                    row["notes"] = "References could not be confirmed; undisclosed role in an armed group alleged."
            elif status == V.IN_REVIEW:
                row.update(identity_checked=True, references_checked=True, notes="Waiting for a second reference.")
            else:
                row.update(reviewer_id=None, notes="Nominated by the delegation; checks not started.")
            rows.append(row)
        ids = [row["participant_id"] for row in rows]
        self.ensure(VettingCase, ("participant_id",), rows, VettingCase.objects.filter(participant_id__in=ids))

    def seed_consents(self, people):
        K = ConsentRecord.Kind
        rows = []
        for person in people:
            pk = person.participant.pk
            given = self.days(-210 - person.index)
            rows.append({"participant_id": pk, "kind": K.DATA_PROCESSING, "given_at": given})
            rows.append({"participant_id": pk, "kind": K.CHATHAM_HOUSE, "given_at": given})
            if person.row["category"] in (C.CIVIL_SOCIETY, C.RELIGIOUS) and person.index % 2 == 0:
                withdrawn = self.days(-10) if person.index == 2 else None
                rows.append({"participant_id": pk, "kind": K.PHOTOGRAPHY, "given_at": given, "withdrawn_at": withdrawn})
        ids = {row["participant_id"] for row in rows}
        existing = ConsentRecord.objects.filter(participant_id__in=ids)
        self.ensure(ConsentRecord, ("participant_id", "kind"), rows, existing)

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
        ]
        references = [row["reference"] for row in rows]
        found = self.ensure(
            SanctionsEntry, ("source", "reference"), rows, SanctionsEntry.objects.filter(reference__in=references)
        )
        hits = [
            {
                "participant_id": pending.participant.pk,
                "entry_id": found[("UNSC", f"QDi.902{self.suffix}")].pk,
                "score": Decimal("88.50"),
                "status": SanctionsHit.Status.OPEN,
            },
            {
                "participant_id": cleared.participant.pk,
                "entry_id": found[("UNSC", f"QDi.903{self.suffix}")].pk,
                "score": Decimal("71.00"),
                "status": SanctionsHit.Status.CLEARED,
                "resolved_by_id": self.users[ADMIN].pk,
                "resolved_at": self.days(-205),
                "note": "Different date of birth and nationality; not the same person.",
            },
        ]
        ids = [hit["participant_id"] for hit in hits]
        existing = SanctionsHit.objects.filter(participant_id__in=ids)
        self.ensure(SanctionsHit, ("participant_id", "entry_id"), hits, existing)

    # Initiatives ----------------------------------------------------------------------------------

    def seed_initiative(self, plan):
        creator = self.users[STAFF if plan is CIVIL_SOCIETY else LEAD]
        codename = f"{plan.codename}{self.suffix}"
        initiative, made = Initiative.objects.get_or_create(
            codename=codename,
            defaults={
                "title": f"{plan.title}{self.label}",
                "conflict": plan.conflict,
                "track": plan.track,
                "phase": plan.phase,
                "level": plan.level,
                "objectives": plan.objectives,
                "created_by": creator,
            },
        )
        self.created[Initiative._meta.label] += int(made)
        if plan is not BACKCHANNEL:
            initiative.observers.add(self.users[OBSERVER])
        return initiative

    def seed_team_and_funding(self, initiatives):
        regional, backchannel, civil = (initiatives[plan.codename] for plan in (REGIONAL, BACKCHANNEL, CIVIL_SOCIETY))
        lead = TeamMembership.Role.LEAD
        team = [
            {"initiative_id": regional.pk, "user_id": self.users[LEAD].pk, "role": lead},
            {"initiative_id": backchannel.pk, "user_id": self.users[LEAD].pk, "role": lead},
            {"initiative_id": civil.pk, "user_id": self.users[STAFF].pk, "role": lead},
        ]
        ids = [initiative.pk for initiative in initiatives.values()]
        self.ensure(
            TeamMembership, ("initiative_id", "user_id"), team, TeamMembership.objects.filter(initiative_id__in=ids)
        )
        start, end = dt.date(self.today.year - 1, 1, 1), dt.date(self.today.year + 1, 12, 31)
        funding = [
            (regional, "Nordic Peace and Reconciliation Trust", "420000", "EUR"),
            (regional, "Alpine Foundation for Mediation", "150000", "CHF"),
            (backchannel, "Peace Division, a European foreign ministry (fictional)", "90000", "CHF"),
            (civil, "Open Horizons Foundation", "300000", "USD"),
            (civil, "Commonwealth Dialogue Fund", "80000", "GBP"),
        ]
        rows = [
            {
                "initiative_id": initiative.pk,
                "donor": donor,
                "amount": Decimal(amount),
                "currency": currency,
                "starts_on": start,
                "ends_on": end,
            }
            for initiative, donor, amount, currency in funding
        ]
        self.ensure(Funding, ("initiative_id", "donor"), rows, Funding.objects.filter(initiative_id__in=ids))

    def seed_parties(self, initiatives):
        descriptions = {
            "Aldmark": "Former officials and security experts close to the Aldmark government.",
            "Government of Varenia": "Advisers with a direct line to the presidency.",
            "Northern Liberation Council": "Members of the political wing, travelling under protection.",
        }
        rows = [
            {"initiative_id": initiatives[plan.codename].pk, "name": name, "description": descriptions.get(name, "")}
            for plan in (REGIONAL, BACKCHANNEL, CIVIL_SOCIETY)
            for name, _culture, _size in plan.parties
        ]
        ids = [initiative.pk for initiative in initiatives.values()]
        found = self.ensure(Party, ("initiative_id", "name"), rows, Party.objects.filter(initiative_id__in=ids))
        return {
            plan.codename: [found[(initiatives[plan.codename].pk, name)] for name, _c, _s in plan.parties]
            for plan in (REGIONAL, BACKCHANNEL, CIVIL_SOCIETY)
        }

    def seed_workshops(self, initiatives):
        plans = {
            REGIONAL: REGIONAL_WORKSHOPS,
            BACKCHANNEL: BACKCHANNEL_WORKSHOPS,
            CIVIL_SOCIETY: CIVIL_SOCIETY_WORKSHOPS,
        }
        rows = []
        for plan, workshops in plans.items():
            initiative = initiatives[plan.codename]
            for w in workshops:
                first_day = self.today + dt.timedelta(days=w.day_offset)
                last_day = first_day + dt.timedelta(days=w.days - 1)
                virtual = w.kind == W.VIRTUAL
                rows.append(
                    {
                        "initiative_id": initiative.pk,
                        "title": w.title,
                        "kind": w.kind,
                        "venue": w.venue,
                        "city": w.city,
                        "country": w.country,
                        "time_zone": w.time_zone,
                        "starts_at": local_time(first_day, 13 if virtual else 9, 0, w.time_zone),
                        "ends_at": local_time(last_day, 15 if virtual else 17, 30 if not virtual else 0, w.time_zone),
                        "languages": list(w.languages),
                        "interpretation": w.interpretation,
                        "capacity": w.capacity,
                        "level": initiative.level,
                        "status": w.status,
                    }
                )
        ids = [initiative.pk for initiative in initiatives.values()]
        found = self.ensure(Workshop, ("initiative_id", "title"), rows, Workshop.objects.filter(initiative_id__in=ids))
        workshops = {
            (plan.codename, w.key): found[(initiatives[plan.codename].pk, w.title)]
            for plan, group in plans.items()
            for w in group
        }
        self.seed_sessions(workshops)
        return workshops

    def seed_sessions(self, workshops):
        rows = []
        slots = ((9, 0, 10, 30), (11, 0, 12, 30), (14, 0, 15, 30))
        for (codename, _key), workshop in workshops.items():
            titles = SESSION_TITLES[codename]
            first_day = workshop.local_starts_at.date()
            last_day = workshop.local_ends_at.date()
            if workshop.kind == W.VIRTUAL:
                day_slots = [(first_day, (13, 0, 15, 0))]
            else:
                day_slots = [
                    (first_day + dt.timedelta(days=d), slot)
                    for d in range((last_day - first_day).days + 1)
                    for slot in slots
                ]
            for title, (day, (h1, m1, h2, m2)) in zip(titles, day_slots, strict=False):
                rows.append(
                    {
                        "workshop_id": workshop.pk,
                        "title": title,
                        "starts_at": local_time(day, h1, m1, workshop.time_zone),
                        "ends_at": local_time(day, h2, m2, workshop.time_zone),
                    }
                )
        ids = [workshop.pk for workshop in workshops.values()]
        self.ensure(AgendaSession, ("workshop_id", "title"), rows, AgendaSession.objects.filter(workshop_id__in=ids))

    def seed_assignments(self, workshops):
        facilitator = self.users[FACILITATOR].facilitator
        rows = [
            {
                "workshop_id": workshops[(REGIONAL.codename, key)].pk,
                "facilitator_id": facilitator.pk,
                "role": Assignment.Role.LEAD,
            }
            for key in ("oslo", "vienna")
        ]
        ids = [row["workshop_id"] for row in rows]
        self.ensure(Assignment, ("workshop_id", "facilitator_id"), rows, Assignment.objects.filter(workshop_id__in=ids))

    # Invitations ----------------------------------------------------------------------------------

    def invitation_row(self, workshop, participant, party, status, index):
        row = {
            "workshop_id": workshop.pk,
            "participant_id": participant.pk,
            "party_id": party.pk,
            "status": status,
            "token_sequence": 0 if status in (IS.DRAFT, IS.QUEUED) else 1,
        }
        if status in RESPONDED:
            before = (workshop.starts_at - self.now).days - 20 if workshop.starts_at < self.now else -3 - index % 9
            row["responded_at"] = self.days(before)
        if index % 4 == 1 and status in (IS.ACCEPTED, IS.ATTENDED, IS.NO_SHOW) and workshop.country:
            row.update(
                needs_visa_letter=True,
                needs_travel_support=True,
                visa_letter_issued_at=min(workshop.starts_at - dt.timedelta(days=25), self.now),
            )
            purge_at = workshop.ends_at + dt.timedelta(days=30)
            if purge_at < self.now:
                row["passport_purged_at"] = purge_at
            else:
                row.update(
                    passport_number=f"P{4711000 + workshop.pk * 100 + index}",
                    passport_expires_on=self.today + dt.timedelta(days=1500),
                )
        if workshop.interpretation and index % 3 == 0:
            row["needs_interpretation"] = True
        row["dietary_requirements"] = ("", "Vegetarian", "", "Halal", "", "No nuts")[index % 6]
        return row

    def seed_invitations(self, workshops, parties, people):
        rows = []
        for (codename, key), workshop in workshops.items():
            for person in people[codename]:
                status = INVITATIONS[(codename, key)](person.index, person.party)
                if status is not None and person.vetting != VettingCase.Status.REJECTED:
                    rows.append(
                        self.invitation_row(
                            workshop, person.participant, parties[codename][person.party], status, person.index
                        )
                    )
        account = self.participant_account
        for (codename, key), party in ((("MERIDIAN", "vienna"), 1), (("TAPESTRY", "amman"), 0)):
            rows.append(
                self.invitation_row(workshops[(codename, key)], account, parties[codename][party], IS.ACCEPTED, 0)
            )
        ids = [workshop.pk for workshop in workshops.values()]
        found = self.ensure(
            Invitation, ("workshop_id", "participant_id"), rows, Invitation.objects.filter(workshop_id__in=ids)
        )
        chased = [
            {"invitation_id": invitation.pk, "kind": InvitationReminder.Kind.CHASE}
            for invitation in found.values()
            if invitation.status == IS.SENT
        ]
        self.ensure(
            InvitationReminder,
            ("invitation_id", "kind"),
            chased,
            InvitationReminder.objects.filter(invitation__workshop_id__in=ids),
        )

    # Documents and outcomes -----------------------------------------------------------------------

    def seed_documents(self, initiatives, workshops):
        D = Document.Kind
        A = Document.Audience
        regional, backchannel, civil = (initiatives[p.codename] for p in (REGIONAL, BACKCHANNEL, CIVIL_SOCIETY))
        plans = [
            (
                regional,
                None,
                "Background paper: incidents at sea, 2019-2025",
                D.BACKGROUND,
                Level.CONFIDENTIAL,
                A.TEAM,
                LEAD,
            ),
            (
                None,
                workshops[("MERIDIAN", "oslo")],
                "Non-paper: options for a maritime hotline",
                D.NON_PAPER,
                Level.CONFIDENTIAL,
                A.FACILITATORS,
                LEAD,
            ),
            (
                None,
                workshops[("MERIDIAN", "vienna")],
                "Round III: annotated agenda",
                D.AGENDA,
                Level.CONFIDENTIAL,
                A.ATTENDEES,
                LEAD,
            ),
            (
                backchannel,
                None,
                "Non-paper on sequencing a humanitarian pause",
                D.NON_PAPER,
                Level.STRICTLY_CONFIDENTIAL,
                A.TEAM,
                LEAD,
            ),
            (
                civil,
                None,
                "Mapping of civil-society actors in the Naru valley",
                D.BACKGROUND,
                Level.INTERNAL,
                A.TEAM,
                STAFF,
            ),
            (
                None,
                workshops[("TAPESTRY", "amman")],
                "Amman consultation: reading pack",
                D.READING_PACK,
                Level.INTERNAL,
                A.ATTENDEES,
                STAFF,
            ),
        ]
        rows = [
            {
                "initiative_id": initiative.pk if initiative else None,
                "workshop_id": workshop.pk if workshop else None,
                "title": title,
                "kind": kind,
                "level": level,
                "audience": audience,
            }
            for initiative, workshop, title, kind, level, audience, _uploader in plans
        ]
        ids = [initiative.pk for initiative in initiatives.values()]
        found = self.ensure(
            Document,
            ("initiative_id", "workshop_id", "title"),
            rows,
            Document.objects.filter(Q(initiative_id__in=ids) | Q(workshop__initiative_id__in=ids)),
        )
        documents = [
            (found[(row["initiative_id"], row["workshop_id"], row["title"])], plan[-1])
            for row, plan in zip(rows, plans, strict=True)
        ]
        versioned = set(
            DocumentVersion.objects.filter(document__in=[doc for doc, _ in documents], number=1).values_list(
                "document_id", flat=True
            )
        )
        for document, uploader in documents:
            if document.pk in versioned:
                continue
            version = DocumentVersion(document=document, number=1, uploaded_by=self.users[uploader])
            content = demo_pdf(
                document.title,
                [
                    "FICTIONAL DEMO DOCUMENT - every name, place and fact in it is invented.",
                    f"Kind: {document.get_kind_display()}. Level: {document.get_level_display()}.",
                    "",
                    "1. Context. The parties met under the Chatham House rule.",
                    "2. Options. A hotline, joint exercises, a standing liaison group.",
                    "3. Next steps. Circulate comments to the facilitation team within two weeks.",
                ],
            )
            version.file.save(f"{slugify(document.title)[:60]}.pdf", ContentFile(content), save=True)
            self.created[DocumentVersion._meta.label] += 1

    def seed_reports(self, workshops):
        S = OutcomeReport.Status
        geneva, oslo, tunis = (
            workshops[key] for key in (("MERIDIAN", "geneva"), ("MERIDIAN", "oslo"), ("TAPESTRY", "tunis"))
        )
        lead, facilitator, staff = self.users[LEAD], self.users[FACILITATOR], self.users[STAFF]
        texts = {
            "summary": "Participants reviewed recent incidents at sea and agreed that the absence of direct "
            "communication had turned two of them into crises.",
            "convergence": "A hotline between coast guards is useful and can be separated from sovereignty questions.",
            "divergence": "Whether navies should be part of the hotline; who chairs a liaison group.",
            "options": "1. Coast-guard hotline. 2. Joint search-and-rescue exercise. 3. Incident-reporting template.",
            "next_steps": "The facilitation team circulates a non-paper on a hotline before the next round.",
        }
        plans = [
            (geneva, S.APPROVED, lead, lead),
            (oslo, S.SUBMITTED, facilitator, None),
            (tunis, S.DRAFT, staff, None),
        ]
        rows = []
        for workshop, status, author, approver in plans:
            row = {
                "workshop_id": workshop.pk,
                "status": status,
                "level": workshop.level,
                "author_id": author.pk,
                **texts,
            }
            if status != S.DRAFT:
                row["submitted_at"] = workshop.ends_at + dt.timedelta(days=6)
            if approver is not None:
                row.update(approved_by_id=approver.pk, approved_at=workshop.ends_at + dt.timedelta(days=10))
            rows.append(row)
        ids = [row["workshop_id"] for row in rows]
        found = self.ensure(OutcomeReport, ("workshop_id",), rows, OutcomeReport.objects.filter(workshop_id__in=ids))
        reports = [found[(workshop.pk,)] for workshop, *_ in plans]
        versions = [
            {"report_id": report.pk, "number": 1, "content": texts, "saved_by_id": report.author_id}
            for report in reports
        ]
        self.ensure(
            OutcomeReportVersion,
            ("report_id", "number"),
            versions,
            OutcomeReportVersion.objects.filter(report__in=reports),
        )
        self.seed_action_items(reports, lead, facilitator, staff)
        briefing = {
            "report_id": reports[0].pk,
            "recipient": "Office of the Special Envoy for the Calder Sea (fictional)",
            "briefing_level": TrackOneBriefing.BriefingLevel.SENIOR_OFFICIAL,
            "briefed_on": geneva.ends_at.date() + dt.timedelta(days=14),
            "briefed_by_id": lead.pk,
            "shared": "The options paper and the points of convergence, without attribution.",
        }
        self.ensure(
            TrackOneBriefing, ("report_id", "recipient"), [briefing], TrackOneBriefing.objects.filter(report=reports[0])
        )

    def seed_action_items(self, reports, lead, facilitator, staff):
        AS = ActionItem.Status
        geneva, oslo, tunis = reports
        items = [
            (geneva, "Circulate a non-paper on a coast-guard hotline", lead, -150, AS.DONE),
            (geneva, "Convene a technical group on search and rescue", lead, -20, AS.IN_PROGRESS),
            (oslo, "Draft terms of reference for a liaison group", facilitator, 10, AS.OPEN),
            (oslo, "Share the incident-reporting template with all delegations", lead, -5, AS.OPEN),
            (tunis, "Translate the consultation summary into Arabic and French", staff, 7, AS.OPEN),
            (tunis, "Ask the mediators' office for a slot to present the priorities", staff, 30, AS.OPEN),
        ]
        rows = [
            {
                "report_id": report.pk,
                "title": title,
                "owner_id": owner.pk,
                "due_on": self.today + dt.timedelta(days=due),
                "status": status,
                "completed_at": self.days(due) if status == AS.DONE else None,
            }
            for report, title, owner, due, status in items
        ]
        self.ensure(ActionItem, ("report_id", "title"), rows, ActionItem.objects.filter(report__in=reports))


@transaction.atomic
def demo_seed(*, scale=1):
    """Create (or complete) the demo data set with ``scale`` copies of the initiatives."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    result = SeedResult(scale=scale)
    users = seed_users(result)
    copy_one = DemoCopy(1, users=users, participant_account=None, created=result.created)
    organisations = copy_one.seed_organisations()
    participant_account = seed_participant_account(users, organisations, result)
    for number in range(1, scale + 1):
        DemoCopy(number, users=users, participant_account=participant_account, created=result.created).build()
    return result
