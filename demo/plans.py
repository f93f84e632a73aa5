"""The fictional world of the demo: its people, organisations, initiatives, workshops and papers.

Plain data, no database: ``demo.seed`` turns it into records through the services the pages use.
Every name, place, organisation and fact here is invented.
"""

from dataclasses import dataclass

from core.levels import Level, Role
from dialogues.models import Document, Initiative, Invitation, Workshop
from facilitators.models import ActionItem, OutcomeReport, TrackOneBriefing
from participants.models import Organization, Participant

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

# The copies whose initiatives the demo sign-ins run (``demo_seed(portfolio=…)``): their lead leads 24
# initiatives, their facilitator facilitates 24 workshops. A larger scale adds the work of colleagues: each
# further group of this many copies is run by a team of its own (``demo.logins.seed_team``), so the
# demo sign-ins' own share of the data stays as it is while the tables grow, as in a growing organisation.
PORTFOLIO = 12

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

# What older versions of the demo wrote and this one corrects once: 80-bit TOTP secrets, and a demo
# admin that was a superuser.
RETIRED_TOTP_SECRETS = {ADMIN: "PARLEYDEMOADMIN2", LEAD: "PARLEYDEMOLEAD22"}

# --- Around the initiatives: who creates them, party descriptions, funding (codename, donor, amount, currency).
CREATORS = {REGIONAL.codename: LEAD, BACKCHANNEL.codename: LEAD, CIVIL_SOCIETY.codename: STAFF}
PARTY_DESCRIPTIONS = {
    "Aldmark": "Former officials and security experts close to the Aldmark government.",
    "Government of Varenia": "Advisers with a direct line to the presidency.",
    "Northern Liberation Council": "Members of the political wing, travelling under protection.",
}
FUNDING = (
    (REGIONAL.codename, "Nordic Peace and Reconciliation Trust", "420000", "EUR"),
    (REGIONAL.codename, "Alpine Foundation for Mediation", "150000", "CHF"),
    (BACKCHANNEL.codename, "Peace Division, a European foreign ministry (fictional)", "90000", "CHF"),
    (CIVIL_SOCIETY.codename, "Open Horizons Foundation", "300000", "USD"),
    (CIVIL_SOCIETY.codename, "Commonwealth Dialogue Fund", "80000", "GBP"),
)
# The regional workshops the demo facilitator is assigned to (as lead facilitator).
FACILITATED = ("oslo", "vienna")
FACILITATOR_PROFILE = {
    "languages": ["en", "fr", "ar"],
    "expertise": "Maritime security, insider mediation, Chatham House facilitation in three languages.",
}

# --- Documents: (codename, workshop key or None for the initiative's own, title, kind, level, audience, uploader).
D = Document.Kind
A = Document.Audience
DOCUMENTS = (
    (
        REGIONAL.codename,
        None,
        "Background paper: incidents at sea, 2019-2025",
        D.BACKGROUND,
        Level.CONFIDENTIAL,
        A.TEAM,
        LEAD,
    ),
    (
        REGIONAL.codename,
        "oslo",
        "Non-paper: options for a maritime hotline",
        D.NON_PAPER,
        Level.CONFIDENTIAL,
        A.FACILITATORS,
        LEAD,
    ),
    (REGIONAL.codename, "vienna", "Round III: annotated agenda", D.AGENDA, Level.CONFIDENTIAL, A.ATTENDEES, LEAD),
    (
        BACKCHANNEL.codename,
        None,
        "Non-paper on sequencing a humanitarian pause",
        D.NON_PAPER,
        Level.STRICTLY_CONFIDENTIAL,
        A.TEAM,
        LEAD,
    ),
    (
        CIVIL_SOCIETY.codename,
        None,
        "Mapping of civil-society actors in the Naru valley",
        D.BACKGROUND,
        Level.INTERNAL,
        A.TEAM,
        STAFF,
    ),
    (
        CIVIL_SOCIETY.codename,
        "amman",
        "Amman consultation: reading pack",
        D.READING_PACK,
        Level.INTERNAL,
        A.ATTENDEES,
        STAFF,
    ),
)
DOCUMENT_TEXT = (
    "FICTIONAL DEMO DOCUMENT - every name, place and fact in it is invented.",
    "Kind: {kind}. Level: {level}.",
    "",
    "1. Context. The parties met under the Chatham House rule.",
    "2. Options. A hotline, joint exercises, a standing liaison group.",
    "3. Next steps. Circulate comments to the facilitation team within two weeks.",
)

# --- Outcomes: one report per held workshop (workshop, status, author, approver), their action items
# (workshop, title, owner, due in days from today, status) and one Track I briefing.
RS = OutcomeReport.Status
REPORT_TEXTS = {
    "summary": "Participants reviewed recent incidents at sea and agreed that the absence of direct "
    "communication had turned two of them into crises.",
    "convergence": "A hotline between coast guards is useful and can be separated from sovereignty questions.",
    "divergence": "Whether navies should be part of the hotline; who chairs a liaison group.",
    "options": "1. Coast-guard hotline. 2. Joint search-and-rescue exercise. 3. Incident-reporting template.",
    "next_steps": "The facilitation team circulates a non-paper on a hotline before the next round.",
}
REPORTS = (
    ((REGIONAL.codename, "geneva"), RS.APPROVED, LEAD, LEAD),
    ((REGIONAL.codename, "oslo"), RS.SUBMITTED, FACILITATOR, None),
    ((CIVIL_SOCIETY.codename, "tunis"), RS.DRAFT, STAFF, None),
)
AS = ActionItem.Status
ACTION_ITEMS = (
    ((REGIONAL.codename, "geneva"), "Circulate a non-paper on a coast-guard hotline", LEAD, -150, AS.DONE),
    ((REGIONAL.codename, "geneva"), "Convene a technical group on search and rescue", LEAD, -20, AS.IN_PROGRESS),
    ((REGIONAL.codename, "oslo"), "Draft terms of reference for a liaison group", FACILITATOR, 10, AS.OPEN),
    ((REGIONAL.codename, "oslo"), "Share the incident-reporting template with all delegations", LEAD, -5, AS.OPEN),
    ((CIVIL_SOCIETY.codename, "tunis"), "Translate the consultation summary into Arabic and French", STAFF, 7, AS.OPEN),
    (
        (CIVIL_SOCIETY.codename, "tunis"),
        "Ask the mediators' office for a slot to present the priorities",
        STAFF,
        30,
        AS.OPEN,
    ),
)
# An action owned by a participant who attended (no account needed: reminders carry a signed done-link).
PARTICIPANT_ACTION_ITEM = ((REGIONAL.codename, "oslo"), "Send the delegation's contact sheet for the hotline", 2)
BRIEFING = {
    "workshop": (REGIONAL.codename, "geneva"),
    "recipient": "Office of the Special Envoy for the Calder Sea (fictional)",
    "recipient_role": TrackOneBriefing.RecipientRole.ENVOY,
    "briefing_level": TrackOneBriefing.BriefingLevel.SENIOR_OFFICIAL,
    "days_after_workshop": 14,
    "briefed_by": LEAD,
    "shared": "The options paper and the points of convergence, without attribution.",
}
