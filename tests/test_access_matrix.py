"""Every URL of Parley × every role × every level: who gets 200, 403 or 404.

The matrix is written out by hand from DESIGN.md, not derived from the code under test. A URL pattern
that the matrix does not cover fails ``test_every_url_pattern_is_in_the_matrix``, so a new view
cannot be forgotten.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.levels import Level, Role
from dialogues.models import Document, Invitation, TeamMembership
from dialogues.rsvp import rsvp_path
from facilitators.action_links import done_path
from participants.models import SanctionsHit, ScreeningRun

from . import factories as f
from .conftest import with_totp

pytestmark = pytest.mark.django_db

INTERNAL_OR_BELOW = {Level.PUBLIC, Level.INTERNAL}
VIEWERS = ["admin", "staff", "team", "facilitator", "participant", "observer"]
# Namespaces that are ours; allauth, the Django admin and i18n are tested elsewhere.
OUR_NAMESPACES = {"dashboard", "dialogues", "participants", "facilitators", "core", "accounts"}


@dataclass
class World:
    users: dict
    initiatives: dict
    workshops: dict
    documents: dict
    people: dict
    organisation: object
    # Per level: the workshop's outcome report (by the facilitator, submitted), an action item of it owned
    # by the participant's own record, a Track I briefing drawn on it, and the vetting case of the person.
    reports: dict = field(default_factory=dict)
    action_items: dict = field(default_factory=dict)
    briefings: dict = field(default_factory=dict)
    vetting_cases: dict = field(default_factory=dict)


def build_world():
    users = {
        "admin": f.UserFactory(role=Role.ADMIN, clearance=Level.STRICTLY_CONFIDENTIAL, is_staff=True),
        "staff": f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL),
        "team": f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL),
        "facilitator": f.UserFactory(role=Role.FACILITATOR, clearance=Level.STRICTLY_CONFIDENTIAL),
        "participant": f.UserFactory(role=Role.PARTICIPANT, clearance=Level.STRICTLY_CONFIDENTIAL),
        "observer": f.UserFactory(role=Role.OBSERVER, clearance=Level.STRICTLY_CONFIDENTIAL),
    }
    for user in users.values():
        if user.must_use_mfa:
            with_totp(user)
    facilitator = f.FacilitatorFactory(user=users["facilitator"])
    me = f.ParticipantFactory(user=users["participant"], full_name="Self Participant")
    organisation = f.OrganizationFactory(name="Matrix Institute")
    initiatives, workshops, documents, people = {}, {}, {}, {}
    for level in Level:
        name = level.name.lower()
        initiative = f.InitiativeFactory(level=level, title=f"Initiative-{name}", codename=f"CODE-{name}")
        f.TeamMembershipFactory(initiative=initiative, user=users["team"], role=TeamMembership.Role.PROGRAMME_OFFICER)
        initiative.observers.add(users["observer"])
        workshop = f.WorkshopFactory(initiative=initiative, level=level, title=f"Workshop-{name}")
        f.AgendaSessionFactory(workshop=workshop)
        f.AssignmentFactory(workshop=workshop, facilitator=facilitator)
        person = f.ParticipantFactory(level=level, full_name=f"Person-{name}", organization=organisation)
        party = f.PartyFactory(initiative=initiative)
        f.InvitationFactory(workshop=workshop, participant=person, party=party)
        f.InvitationFactory(workshop=workshop, participant=me, party=party, status=Invitation.Status.ACCEPTED)
        document = f.DocumentFactory(workshop=workshop, level=level, audience=Document.Audience.ATTENDEES)
        f.DocumentVersionFactory(document=document, uploaded_by=users["team"])
        initiatives[level], workshops[level], documents[level], people[level] = initiative, workshop, document, person
    world = World(users, initiatives, workshops, documents, people, organisation)
    for level in Level:
        report = f.OutcomeReportFactory(
            workshop=workshops[level], author=users["facilitator"], status="submitted", submitted_at=timezone.now()
        )
        world.reports[level] = report
        world.action_items[level] = f.ActionItemFactory(report=report, owner_participant=me)
        world.briefings[level] = f.TrackOneBriefingFactory(report=report, briefed_by=users["team"])
        world.vetting_cases[level] = f.VettingCaseFactory(participant=people[level])
    return world


def their_invitation(world, level):
    """The id of the invitation of the person at ``level`` to the workshop at ``level``."""
    return Invitation.objects.get(workshop=world.workshops[level], participant=world.people[level]).pk


def screening_of(world, level):
    """The id of a screening run of the person at ``level``."""
    return ScreeningRun.objects.get_or_create(participant=world.people[level], reason="matrix")[0].pk


def sanctions_hit_of(world, level):
    """The id of an open sanctions hit of the person at ``level``."""
    person = world.people[level]
    hit = SanctionsHit.objects.filter(participant=person).first()
    if hit is None:
        hit = f.SanctionsHitFactory(participant=person, entry=f.SanctionsEntryFactory(reference=f"MATRIX-{level}"))
    return hit.pk


def org_sees(level):
    return 200 if level in INTERNAL_OR_BELOW else 404


def org_sees_but_may_not_change(level):
    return 403 if level in INTERNAL_OR_BELOW else 404


def approved_report(world, level):
    """The world's report at ``level``, approved (a briefing draws on approved reports only)."""
    report = world.reports[level]
    type(report).objects.filter(pk=report.pk).update(approved_version=1)
    return report.pk


def kept_version(world, level):
    """The number of a kept version of the world's report at ``level`` (the factory keeps none)."""
    report = world.reports[level]
    report.versions.get_or_create(
        number=1, defaults={"content": {"summary": report.summary}, "saved_by": report.author}
    )
    return 1


def report_seen(who, level):
    """An outcome report's pages: as its workshop (its team, the assigned facilitator, the organisation at
    INTERNAL and below)."""
    return {"admin": org_sees(level), "staff": org_sees(level), "team": 200, "facilitator": 200}.get(who, 404)


def report_written(who, level):
    """Writing a report: its workshop's facilitators and its initiative's team; the organisation sees it (403)."""
    return {
        "admin": org_sees_but_may_not_change(level),
        "staff": org_sees_but_may_not_change(level),
        "team": 200,
        "facilitator": 200,
    }.get(who, 404)


# name -> (how to build the URL from the world and a level, expected status per viewer and level)
# Level-independent pages ignore the level.
MATRIX = {
    "dashboard:home": (
        lambda w, lv: reverse("dashboard:home"),
        lambda who, lv: 200,
    ),
    "dialogues:initiative-list": (
        lambda w, lv: reverse("dialogues:initiative-list"),
        lambda who, lv: 200,
    ),
    "dialogues:initiative-create": (
        lambda w, lv: reverse("dialogues:initiative-create"),
        lambda who, lv: 200 if who in ("admin", "staff", "team") else 403,
    ),
    "dialogues:initiative-detail": (
        lambda w, lv: w.initiatives[lv].get_absolute_url(),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200}.get(who, 404),
    ),
    "dialogues:initiative-update": (
        lambda w, lv: reverse("dialogues:initiative-update", args=[w.initiatives[lv].pk]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200}.get(who, 404),
    ),
    "dialogues:workshop-create": (
        lambda w, lv: reverse("dialogues:workshop-create", args=[w.initiatives[lv].pk]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200}.get(who, 404),
    ),
    "dialogues:workshop-list": (
        lambda w, lv: reverse("dialogues:workshop-list"),
        lambda who, lv: 200,
    ),
    # The calendar shows what the workshop list shows (nothing, to participants and observers).
    "dialogues:workshop-calendar": (
        lambda w, lv: reverse("dialogues:workshop-calendar"),
        lambda who, lv: 200,
    ),
    "dialogues:workshop-detail": (
        lambda w, lv: w.workshops[lv].get_absolute_url(),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200, "facilitator": 200}.get(who, 404),
    ),
    "dialogues:workshop-update": (
        lambda w, lv: reverse("dialogues:workshop-update", args=[w.workshops[lv].pk]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200, "facilitator": 403}.get(who, 404),
    ),
    # The workshop page's invitation controls: those who manage the workshop; its facilitators see it (403).
    "dialogues:workshop-candidates": (
        lambda w, lv: reverse("dialogues:workshop-candidates", args=[w.workshops[lv].pk]) + "?q=Person",
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200, "facilitator": 403}.get(who, 404),
    ),
    "dialogues:invitation-add": (
        lambda w, lv: (
            reverse("dialogues:invitation-add", args=[w.workshops[lv].pk]) + f"?participant={w.people[lv].pk}"
        ),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200, "facilitator": 403}.get(who, 404),
    ),
    "dialogues:invitations-send": (
        lambda w, lv: reverse("dialogues:invitations-send", args=[w.workshops[lv].pk]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200, "facilitator": 403}.get(who, 404),
    ),
    # Another person's invitation: the participant may not see it (their own would answer 403).
    "dialogues:invitation-party": (
        lambda w, lv: reverse("dialogues:invitation-party", args=[their_invitation(w, lv)]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200, "facilitator": 403}.get(who, 404),
    ),
    "dialogues:invitation-remove": (
        lambda w, lv: reverse("dialogues:invitation-remove", args=[their_invitation(w, lv)]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200, "facilitator": 403}.get(who, 404),
    ),
    "dialogues:document-download": (
        lambda w, lv: reverse("dialogues:document-download", args=[w.documents[lv].pk]),
        lambda who, lv: {
            "admin": org_sees(lv),
            "staff": org_sees(lv),
            "team": 200,
            "facilitator": 200,
            "participant": 200,
        }.get(who, 404),
    ),
    # The signed RSVP link is its own credential: whoever holds it, signed in or not, sees the same page.
    "dialogues:rsvp": (
        lambda w, lv: rsvp_path(w.people[lv].invitations.get()),
        lambda who, lv: 200,
    ),
    # Attendance: the workshop's assigned facilitators (who may not edit it) and those who manage it; before
    # the workshop starts the page says so (200) and shows no form.
    "dialogues:workshop-attendance": (
        lambda w, lv: reverse("dialogues:workshop-attendance", args=[w.workshops[lv].pk]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200, "facilitator": 200}.get(who, 404),
    ),
    # The facilitator's workspace: the facilitators' own page; everyone else 403.
    "facilitators:workspace": (
        lambda w, lv: reverse("facilitators:workspace"),
        lambda who, lv: 200 if who == "facilitator" else 403,
    ),
    "participants:participant-list": (
        lambda w, lv: reverse("participants:participant-list"),
        lambda who, lv: 200 if who in ("admin", "staff", "team") else 403,
    ),
    "participants:participant-create": (
        lambda w, lv: reverse("participants:participant-create"),
        lambda who, lv: 200 if who in ("admin", "staff", "team") else 403,
    ),
    "participants:participant-detail": (
        lambda w, lv: w.people[lv].get_absolute_url(),
        lambda who, lv: {"admin": 200, "staff": org_sees(lv), "team": 200, "facilitator": 200}.get(who, 404),
    ),
    "participants:participant-update": (
        lambda w, lv: reverse("participants:participant-update", args=[w.people[lv].pk]),
        lambda who, lv: {"admin": 200, "staff": org_sees(lv), "team": 200, "facilitator": 403}.get(who, 404),
    ),
    "participants:organization-list": (
        lambda w, lv: reverse("participants:organization-list"),
        lambda who, lv: 200 if who in ("admin", "staff", "team") else 403,
    ),
    "participants:organization-create": (
        lambda w, lv: reverse("participants:organization-create"),
        lambda who, lv: 200 if who in ("admin", "staff", "team") else 403,
    ),
    "participants:organization-detail": (
        lambda w, lv: w.organisation.get_absolute_url(),
        lambda who, lv: 200 if who in ("admin", "staff", "team") else 404,
    ),
    "participants:organization-update": (
        lambda w, lv: reverse("participants:organization-update", args=[w.organisation.pk]),
        lambda who, lv: 200 if who in ("admin", "staff", "team") else 404,
    ),
    # Vetting is the admins' alone (cleared for CONFIDENTIAL records): to everyone else the pages do not exist.
    "participants:vetting-queue": (
        lambda w, lv: reverse("participants:vetting-queue"),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    "participants:vetting-case": (
        lambda w, lv: reverse("participants:vetting-case", args=[w.vetting_cases[lv].pk]),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    # The person has an open case: the page leads to it instead of opening a second.
    "participants:vetting-open": (
        lambda w, lv: reverse("participants:vetting-open", args=[w.people[lv].pk]),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    # Sanctions lists, screening runs and hits: the admins' alone too (hits are CONFIDENTIAL records).
    "participants:sanctions-lists": (
        lambda w, lv: reverse("participants:sanctions-lists"),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    "participants:screening-progress": (
        lambda w, lv: reverse("participants:screening-progress", args=[screening_of(w, lv)]),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    # Resolving a hit is a POST; a GET is refused as a method (405) to those who may resolve it.
    "participants:sanctions-hit-resolve": (
        lambda w, lv: reverse("participants:sanctions-hit-resolve", args=[sanctions_hit_of(w, lv)]),
        lambda who, lv: 405 if who == "admin" else 404,
    ),
    # Accounts are managed by admins only (everyone else: 404); the account is another person's.
    "accounts:account-list": (
        lambda w, lv: reverse("accounts:account-list"),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    "accounts:account-create": (
        lambda w, lv: reverse("accounts:account-create"),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    "accounts:account-detail": (
        lambda w, lv: reverse("accounts:account-detail", args=[w.users["staff"].pk]),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    "accounts:account-access": (
        lambda w, lv: reverse("accounts:account-access", args=[w.users["staff"].pk]),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    "accounts:account-status": (
        lambda w, lv: reverse("accounts:account-status", args=[w.users["staff"].pk]),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    "accounts:account-reset-second-factor": (
        lambda w, lv: reverse("accounts:account-reset-second-factor", args=[w.users["staff"].pk]),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    "accounts:account-invite": (
        lambda w, lv: reverse("accounts:account-invite", args=[w.users["staff"].pk]),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    # The signed-in user's own preferences: everyone's own, no other account's.
    "accounts:profile": (
        lambda w, lv: reverse("accounts:profile"),
        lambda who, lv: 200,
    ),
    "core:access-log": (
        lambda w, lv: reverse("core:access-log"),
        lambda who, lv: 200 if who == "admin" else 404,
    ),
    # The outbox: the organisation's people (admins and staff); the rows in it are scoped by record.
    "core:outbox": (
        lambda w, lv: reverse("core:outbox"),
        lambda who, lv: 200 if who in ("admin", "staff", "team") else 404,
    ),
    # Resending is a POST; a GET is refused as a method (405) to those who may use the page.
    "core:outbox-resend": (
        lambda w, lv: reverse("core:outbox-resend", args=[1]),
        lambda who, lv: 405 if who in ("admin", "staff", "team") else 404,
    ),
    # A type-ahead select's options: those who may see organisations; the other sources in test_choices.py.
    "core:choice-options": (
        lambda w, lv: reverse("core:choice-options", args=["organisations"]) + "?field=organization&blank=any",
        lambda who, lv: 200 if who in ("admin", "staff", "team") else 404,
    ),
    # An outcome report as PDF: as the report (its team, the assigned facilitator, the organisation at INTERNAL
    # and below); the participant and the observer never.
    "facilitators:report-pdf": (
        lambda w, lv: reverse("facilitators:report-pdf", args=[w.reports[lv].pk]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200, "facilitator": 200}.get(who, 404),
    ),
    # Track I briefings: seen as their report; logged and corrected by the initiative's team and the workshop's
    # facilitator (the organisation sees those at INTERNAL and below, but may not log or change them: 403).
    "facilitators:briefing-detail": (
        lambda w, lv: reverse("facilitators:briefing-detail", args=[w.briefings[lv].pk]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200, "facilitator": 200}.get(who, 404),
    ),
    "facilitators:briefing-update": (
        lambda w, lv: reverse("facilitators:briefing-update", args=[w.briefings[lv].pk]),
        lambda who, lv: {
            "admin": org_sees_but_may_not_change(lv),
            "staff": org_sees_but_may_not_change(lv),
            "team": 200,
            "facilitator": 200,
        }.get(who, 404),
    ),
    "facilitators:briefing-create-from-report": (
        lambda w, lv: reverse("facilitators:briefing-create-from-report", args=[approved_report(w, lv)]),
        lambda who, lv: {
            "admin": org_sees_but_may_not_change(lv),
            "staff": org_sees_but_may_not_change(lv),
            "team": 200,
            "facilitator": 200,
        }.get(who, 404),
    ),
    # From the initiative: its team only (a facilitator who is not on it does not see the initiative).
    "facilitators:briefing-create": (
        lambda w, lv: reverse("facilitators:briefing-create", args=[w.initiatives[lv].pk]),
        lambda who, lv: {
            "admin": org_sees_but_may_not_change(lv),
            "staff": org_sees_but_may_not_change(lv),
            "team": 200,
        }.get(who, 404),
    ),
    "facilitators:initiative-briefings": (
        lambda w, lv: reverse("facilitators:initiative-briefings", args=[w.initiatives[lv].pk]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200}.get(who, 404),
    ),
    "facilitators:initiative-timeline": (
        lambda w, lv: reverse("facilitators:initiative-timeline", args=[w.initiatives[lv].pk]),
        lambda who, lv: {"admin": org_sees(lv), "staff": org_sees(lv), "team": 200}.get(who, 404),
    ),
    # Outcome reports. The world's reports are submitted: their edit, submit and amend pages say so (200) to
    # their writers; reviewing is for the initiative's leads (the world's team member is a programme officer).
    "facilitators:report-start": (
        lambda w, lv: reverse("facilitators:report-start", args=[w.workshops[lv].pk]),
        report_written,
    ),
    "facilitators:report-detail": (
        lambda w, lv: reverse("facilitators:report-detail", args=[w.reports[lv].pk]),
        report_seen,
    ),
    "facilitators:report-edit": (
        lambda w, lv: reverse("facilitators:report-edit", args=[w.reports[lv].pk]),
        report_written,
    ),
    # The live preview is a POST (HTMX): a GET is refused as a method, before anything is read.
    "facilitators:report-preview": (
        lambda w, lv: reverse("facilitators:report-preview", args=[w.reports[lv].pk]),
        lambda who, lv: 405,
    ),
    "facilitators:report-submit": (
        lambda w, lv: reverse("facilitators:report-submit", args=[w.reports[lv].pk]),
        report_written,
    ),
    "facilitators:report-review": (
        lambda w, lv: reverse("facilitators:report-review", args=[w.reports[lv].pk]),
        lambda who, lv: {
            "admin": org_sees_but_may_not_change(lv),
            "staff": org_sees_but_may_not_change(lv),
            "team": 403,
            "facilitator": 403,
        }.get(who, 404),
    ),
    "facilitators:report-amend": (
        lambda w, lv: reverse("facilitators:report-amend", args=[w.reports[lv].pk]),
        report_written,
    ),
    "facilitators:report-versions": (
        lambda w, lv: reverse("facilitators:report-versions", args=[w.reports[lv].pk]),
        report_seen,
    ),
    "facilitators:report-version": (
        lambda w, lv: reverse("facilitators:report-version", args=[w.reports[lv].pk, kept_version(w, lv)]),
        report_seen,
    ),
    "facilitators:report-diff": (
        lambda w, lv: reverse("facilitators:report-diff", args=[w.reports[lv].pk]) + "?a=1&b=1",
        report_seen,
    ),
    # Action items: added and changed by the workshop's facilitator and the initiative's team; those who see
    # the report (or, to edit, the item: its participant owner) but do not run it get 403.
    "facilitators:action-add": (
        lambda w, lv: reverse("facilitators:action-add", args=[w.reports[lv].pk]),
        lambda who, lv: {"admin": org_forbidden(lv), "staff": org_forbidden(lv), "team": 200, "facilitator": 200}.get(
            who, 404
        ),
    ),
    "facilitators:action-edit": (
        lambda w, lv: reverse("facilitators:action-edit", args=[w.action_items[lv].pk]),
        lambda who, lv: {
            "admin": org_forbidden(lv),
            "staff": org_forbidden(lv),
            "team": 200,
            "facilitator": 200,
            "participant": 403,
        }.get(who, 404),
    ),
    # Everyone's own list (an observer's is empty).
    "facilitators:my-action-items": (
        lambda w, lv: reverse("facilitators:my-action-items"),
        lambda who, lv: 200,
    ),
    # Marking done is a POST; a GET is refused as a method (405) to those who see the item.
    "facilitators:action-complete": (
        lambda w, lv: reverse("facilitators:action-complete", args=[w.action_items[lv].pk]),
        lambda who, lv: {
            "admin": 405 if lv in INTERNAL_OR_BELOW else 404,
            "staff": 405 if lv in INTERNAL_OR_BELOW else 404,
            "team": 405,
            "facilitator": 405,
            "participant": 405,
        }.get(who, 404),
    ),
    # The signed done-link of the participant owner: the token is the credential, whoever holds it.
    "facilitators:action-done": (
        lambda w, lv: done_path(w.action_items[lv]),
        lambda who, lv: 200,
    ),
}


def org_forbidden(level):
    """Admins and staff see INTERNAL reports and items but do not run them: 403; above, 404."""
    return 403 if level in INTERNAL_OR_BELOW else 404


# Pages that opt out of signing in (``@login_not_required``) and what they answer an anonymous visitor;
# every other page sends them to the sign-in page.
LOGIN_EXEMPT = {"dialogues:rsvp": 200, "facilitators:action-done": 200}


def our_url_patterns(resolver=None, namespace=None):
    """(name, pattern) of every URL pattern in our namespaces."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in OUR_NAMESPACES or (inner is None and namespace is None and entry.app_name is None):
                yield from our_url_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and namespace in OUR_NAMESPACES:
            yield f"{namespace}:{entry.name}", entry


def our_url_names():
    for name, _pattern in our_url_patterns():
        yield name


def test_every_url_pattern_is_in_the_matrix():
    names = set(our_url_names())
    assert names, "the URLconf walk found nothing"
    assert names - set(MATRIX) == set(), "URL patterns without an access-matrix entry"
    assert set(MATRIX) - names == set(), "matrix entries for URLs that no longer exist"


def test_only_the_listed_pages_are_open_without_signing_in():
    """``@login_not_required`` opens a page to anyone: each such page is one the matrix knows of."""
    exempt = {name for name, pattern in our_url_patterns() if not getattr(pattern.callback, "login_required", True)}
    assert exempt == set(LOGIN_EXEMPT)


@pytest.fixture
def world(db):
    return build_world()


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access_matrix(client, world, name):
    url_for, expected = MATRIX[name]
    wrong = []
    for who in VIEWERS:
        client.force_login(world.users[who])
        for level in Level:
            url = url_for(world, level)
            status = client.get(url).status_code
            if status != expected(who, level):
                wrong.append(f"{who} {level.name} {url}: got {status}, expected {expected(who, level)}")
    client.logout()
    anonymous = client.get(url_for(world, Level.PUBLIC)).status_code
    assert anonymous == LOGIN_EXEMPT.get(name, 302)  # anonymous: to the login page, unless exempt
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("who", VIEWERS)
def test_lists_and_searches_show_only_what_the_viewer_may_see(client, world, who):
    client.force_login(world.users[who])
    shown = {}
    for url in (
        "/initiatives/",
        "/workshops/",
        "/participants/",
        "/",
        "/initiatives/?q=Initiative",
        "/workshops/?q=Workshop",
        "/participants/?q=Person",
    ):
        response = client.get(url)
        shown[url] = response.content.decode() if response.status_code == 200 else ""
    page = "\n".join(shown.values())
    for level in Level:
        initiative_visible = who == "team" or (who in ("admin", "staff") and level in INTERNAL_OR_BELOW)
        workshop_visible = initiative_visible or who == "facilitator"
        assert (f"Initiative-{level.name.lower()}" in shown["/initiatives/"]) is initiative_visible, level
        assert (f"Workshop-{level.name.lower()}" in shown["/workshops/"]) is workshop_visible, level
        if not initiative_visible:
            assert f"Initiative-{level.name.lower()}" not in page
        if not workshop_visible and who != "participant":
            assert f"Workshop-{level.name.lower()}" not in page
        person_visible = who in ("admin", "team") or (who == "staff" and level in INTERNAL_OR_BELOW)
        if not person_visible:
            assert f"Person-{level.name.lower()}" not in page


def test_observers_see_aggregates_and_never_a_name(client, world):
    client.force_login(world.users["observer"])
    page = client.get("/").content.decode()
    assert "CODE-confidential" in page or "Initiative-confidential" in page
    for level in Level:
        assert f"Person-{level.name.lower()}" not in page
        assert world.people[level].email not in page
    assert "Self Participant" not in page


# Pages that show observers aggregate figures (labelled by codename and party names).
OBSERVER_FIGURE_PAGES = ["dashboard:home"]


@pytest.mark.parametrize("clearance", [Level.INTERNAL, Level.CONFIDENTIAL])
def test_observers_see_figures_only_of_initiatives_within_their_clearance(client, world, clearance):
    observer = f.UserFactory(role=Role.OBSERVER, clearance=clearance)
    for level, initiative in world.initiatives.items():
        initiative.observers.add(observer)
        f.PartyFactory(initiative=initiative, name=f"Delegation-{level.name.lower()}")
    client.force_login(observer)
    for name in OBSERVER_FIGURE_PAGES:
        page = client.get(reverse(name)).content.decode()
        for level in Level:
            within = level <= clearance
            assert (f"CODE-{level.name.lower()}" in page) is within, (name, level)
            assert (f"Delegation-{level.name.lower()}" in page) is within, (name, level)
            assert f"Initiative-{level.name.lower()}" not in page
            assert f"Workshop-{level.name.lower()}" not in page
