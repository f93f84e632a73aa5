"""Track I briefings (issue 15): who sees one, who logs one, the rules of logging, and the initiative's timeline."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from dialogues.models import TeamMembership
from facilitators.briefing_selectors import initiative_timeline_for, timeline_entries
from facilitators.models import TrackOneBriefing
from facilitators.services import track_one_briefing_create, track_one_briefing_may_log, track_one_briefing_update

from . import factories as f
from .conftest import with_totp

pytestmark = pytest.mark.django_db

NOW = timezone.now()
SHARED = {
    "recipient": "Office of the Special Envoy",
    "recipient_role": TrackOneBriefing.RecipientRole.ENVOY,
    "briefing_level": TrackOneBriefing.BriefingLevel.SENIOR_OFFICIAL,
    "shared": "The options paper, without attribution.",
}


def held_workshop(initiative, days_ago, **fields):
    start = NOW - dt.timedelta(days=days_ago)
    return f.WorkshopFactory(initiative=initiative, starts_at=start, ends_at=start + dt.timedelta(days=1), **fields)


def approved_report(workshop, approver, *, days_ago=None, **fields):
    approved_at = workshop.ends_at + dt.timedelta(days=1) if days_ago is None else NOW - dt.timedelta(days=days_ago)
    return f.OutcomeReportFactory(
        workshop=workshop,
        status="approved",
        submitted_at=workshop.ends_at,
        approved_by=approver,
        approved_at=approved_at,
        approved_version=1,
        **fields,
    )


class World:
    """A CONFIDENTIAL initiative with two held workshops, each with its own facilitator and approved report."""

    def __init__(self):
        self.lead = with_totp(f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL))
        self.initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
        f.TeamMembershipFactory(initiative=self.initiative, user=self.lead, role=TeamMembership.Role.LEAD)
        self.workshop_a = held_workshop(self.initiative, 40, title="Workshop Alpha")
        self.workshop_b = held_workshop(self.initiative, 20, title="Workshop Bravo")
        self.facilitator_a, self.facilitator_b = (
            f.FacilitatorFactory(user=f.UserFactory(role=Role.FACILITATOR, clearance=Level.CONFIDENTIAL))
            for _ in range(2)
        )
        f.AssignmentFactory(workshop=self.workshop_a, facilitator=self.facilitator_a)
        f.AssignmentFactory(workshop=self.workshop_b, facilitator=self.facilitator_b)
        self.report_a = approved_report(self.workshop_a, self.lead)
        self.report_b = approved_report(self.workshop_b, self.lead)

    def log(self, user=None, reports=None, **fields):
        values = {**SHARED, "briefed_on": timezone.localdate(), **fields}
        reports = [self.report_a] if reports is None else reports
        return track_one_briefing_create(user=user or self.lead, report=reports[0], reports=reports[1:], **values)


@pytest.fixture
def w():
    return World()


def visible(user, briefing):
    return TrackOneBriefing.objects.visible_to(user).filter(pk=briefing.pk).exists()


# --- Who sees a briefing ----------------------------------------------------------------------------


def test_the_facilitator_of_the_report_sees_a_briefing_drawn_on_it_alone(w):
    briefing = w.log()
    assert visible(w.facilitator_a.user, briefing)
    assert not visible(w.facilitator_b.user, briefing)
    assert visible(w.lead, briefing)


def test_a_briefing_drawing_on_another_workshops_report_is_hidden_from_each_workshops_facilitator(w):
    briefing = w.log(reports=[w.report_a, w.report_b])
    assert not visible(w.facilitator_a.user, briefing)  # it drew on Bravo's report, which they may not see
    assert not visible(w.facilitator_b.user, briefing)  # its anchor is Alpha's report
    assert visible(w.lead, briefing)
    assert set(briefing.reports.all()) == {w.report_a, w.report_b}


def test_a_hidden_briefing_answers_404_and_is_not_listed_on_the_report(client, w):
    briefing = w.log(reports=[w.report_a, w.report_b], recipient="Envoy Zed")
    client.force_login(w.facilitator_a.user)
    assert client.get(reverse("facilitators:briefing-detail", args=[briefing.pk])).status_code == 404
    assert "Envoy Zed" not in render_report_briefings(w.facilitator_a.user, w.report_a)
    assert "Envoy Zed" in render_report_briefings(w.lead, w.report_a)


def test_a_briefing_above_the_viewers_clearance_is_hidden(w):
    briefing = w.log(level=Level.STRICTLY_CONFIDENTIAL)
    assert not visible(w.facilitator_a.user, briefing)  # cleared for CONFIDENTIAL only
    assert visible(w.lead, briefing)


def test_staff_outside_the_team_see_an_internal_briefing_but_not_a_confidential_one(make_user):
    lead = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    staff = make_user(Role.STAFF, Level.INTERNAL)
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    report = approved_report(held_workshop(initiative, 10), lead)
    values = {**SHARED, "briefed_on": timezone.localdate()}
    internal = track_one_briefing_create(user=lead, report=report, **values)
    raised = track_one_briefing_create(user=lead, report=report, level=Level.CONFIDENTIAL, **values)
    assert internal.level == Level.INTERNAL  # the reports' level by default
    assert visible(staff, internal)
    assert not visible(staff, raised)


# --- The rules of logging one -----------------------------------------------------------------------


def test_the_level_defaults_to_the_highest_of_the_reports_and_may_not_be_lowered(w):
    w.report_b.level = Level.STRICTLY_CONFIDENTIAL
    w.report_b.save()
    assert w.log(reports=[w.report_a, w.report_b]).level == Level.STRICTLY_CONFIDENTIAL
    with pytest.raises(ValidationError) as refused:
        w.log(reports=[w.report_a, w.report_b], level=Level.CONFIDENTIAL)
    assert "level" in refused.value.message_dict


def test_a_level_above_ones_own_clearance_is_refused(w):
    with pytest.raises(ValidationError) as refused:
        w.log(user=w.facilitator_a.user, level=Level.STRICTLY_CONFIDENTIAL)
    assert "level" in refused.value.message_dict


def test_a_briefing_dated_in_the_future_is_refused(w):
    with pytest.raises(ValidationError) as refused:
        w.log(briefed_on=timezone.localdate() + dt.timedelta(days=2))
    assert "briefed_on" in refused.value.message_dict


def test_a_briefing_dated_before_its_workshop_is_refused(w):
    with pytest.raises(ValidationError) as refused:
        w.log(briefed_on=w.workshop_a.starts_at.date() - dt.timedelta(days=3))
    assert "briefed_on" in refused.value.message_dict


def test_a_report_not_yet_approved_cannot_be_drawn_on(w):
    draft = f.OutcomeReportFactory(workshop=w.workshop_b, session=f.AgendaSessionFactory(workshop=w.workshop_b))
    with pytest.raises(ValidationError):
        w.log(reports=[w.report_a, draft])
    assert not track_one_briefing_may_log(user=w.lead, report=draft)


def test_reports_of_two_initiatives_are_refused(w):
    other = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=other, user=w.lead)
    elsewhere = approved_report(held_workshop(other, 30), w.lead)
    with pytest.raises(ValidationError):
        w.log(reports=[w.report_a, elsewhere])


def test_a_facilitator_cannot_draw_on_a_report_they_may_not_see(w):
    with pytest.raises(ValidationError):
        w.log(user=w.facilitator_a.user, reports=[w.report_a, w.report_b])
    assert not TrackOneBriefing.objects.exists()


def test_a_facilitator_logs_a_briefing_on_their_workshops_report_as_themself(w):
    briefing = w.log(user=w.facilitator_a.user)
    assert briefing.briefed_by == w.facilitator_a.user
    assert list(briefing.reports.all()) == [w.report_a]  # the anchor is always among the reports


def test_staff_who_see_an_internal_report_but_are_not_on_the_team_may_not_log(make_user):
    lead = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    staff = make_user(Role.STAFF, Level.INTERNAL)
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    report = approved_report(held_workshop(initiative, 10), lead)
    assert not track_one_briefing_may_log(user=staff, report=report)
    with pytest.raises(ValidationError):
        track_one_briefing_create(user=staff, report=report, briefed_on=timezone.localdate(), **SHARED)


def test_another_workshops_facilitator_may_not_correct_a_briefing(w):
    briefing = w.log()
    with pytest.raises(ValidationError):
        track_one_briefing_update(briefing=briefing, user=w.facilitator_b.user, recipient="Someone else")
    briefing.refresh_from_db()
    assert briefing.recipient == SHARED["recipient"]


def test_a_correction_may_add_a_report_and_keeps_the_anchor(w):
    briefing = w.log()
    track_one_briefing_update(briefing=briefing, user=w.lead, reports=[w.report_a, w.report_b])
    briefing.refresh_from_db()
    assert briefing.report == w.report_a
    assert set(briefing.reports.all()) == {w.report_a, w.report_b}


# --- The pages ----------------------------------------------------------------------------------------


def form_data(**changes):
    data = {**SHARED, "briefed_on": timezone.localdate().isoformat(), "level": str(Level.CONFIDENTIAL)}
    data.update(changes)
    return data


def test_a_facilitator_logs_a_briefing_from_their_report(client, w):
    client.force_login(w.facilitator_a.user)
    url = reverse("facilitators:briefing-create-from-report", args=[w.report_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data())
    briefing = TrackOneBriefing.objects.get()
    assert response.url == reverse("facilitators:briefing-detail", args=[briefing.pk])
    assert (briefing.report, briefing.briefed_by) == (w.report_a, w.facilitator_a.user)
    assert client.get(response.url).status_code == 200


def test_a_report_the_user_may_not_see_cannot_be_posted_in(client, w):
    hidden = approved_report(held_workshop(f.InitiativeFactory(level=Level.CONFIDENTIAL), 30), w.lead)
    client.force_login(w.lead)
    url = reverse("facilitators:briefing-create", args=[w.initiative.pk])
    response = client.post(url, form_data(reports=[str(w.report_a.pk), str(hidden.pk)]))
    assert response.status_code == 200
    assert "Choose among the approved reports" in response.content.decode()
    client.force_login(w.facilitator_a.user)
    url = reverse("facilitators:briefing-create-from-report", args=[w.report_a.pk])
    client.post(url, form_data(reports=[str(w.report_b.pk)]))  # no other report to choose: the field is ignored
    assert [list(briefing.reports.all()) for briefing in TrackOneBriefing.objects.all()] == [[w.report_a]]


def test_another_workshops_facilitator_gets_404_for_the_report_and_403_for_the_edit(client, w):
    briefing = w.log()
    client.force_login(w.facilitator_b.user)
    assert client.get(reverse("facilitators:briefing-create-from-report", args=[w.report_a.pk])).status_code == 404
    assert client.get(reverse("facilitators:briefing-update", args=[briefing.pk])).status_code == 404
    f.AssignmentFactory(workshop=w.workshop_a)  # someone else's assignment changes nothing
    assert client.get(reverse("facilitators:briefing-detail", args=[briefing.pk])).status_code == 404


def test_the_team_logs_a_briefing_from_the_initiative_choosing_its_reports(client, w):
    client.force_login(w.lead)
    url = reverse("facilitators:briefing-create", args=[w.initiative.pk])
    page = client.get(url).content.decode()
    assert "Workshop Alpha" in page and "Workshop Bravo" in page
    response = client.post(url, form_data(reports=[str(w.report_a.pk), str(w.report_b.pk)]))
    assert response.status_code == 302
    assert set(TrackOneBriefing.objects.get().reports.all()) == {w.report_a, w.report_b}


def test_a_briefing_with_no_report_is_refused_with_a_message(client, w):
    client.force_login(w.lead)
    response = client.post(reverse("facilitators:briefing-create", args=[w.initiative.pk]), form_data())
    assert response.status_code == 200
    assert "Choose at least one report" in response.content.decode()


def test_the_edit_page_saves_a_correction(client, w):
    briefing = w.log()
    client.force_login(w.facilitator_a.user)
    url = reverse("facilitators:briefing-update", args=[briefing.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(reports=[str(w.report_a.pk)], recipient="Deputy envoy"))
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.recipient == "Deputy envoy"


def render_report_briefings(user, report):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load briefings %}{% report_briefings report %}")
    return template.render(Context({"request": request, "report": report}))


def test_the_report_tag_offers_logging_only_to_those_who_may(w, make_user):
    assert "Log a briefing" in render_report_briefings(w.facilitator_a.user, w.report_a)
    assert "Log a briefing" in render_report_briefings(w.lead, w.report_a)
    outsider = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    assert "Log a briefing" not in render_report_briefings(outsider, w.report_a)


# --- The timeline -----------------------------------------------------------------------------------


def timeline(user, initiative):
    rows = list(initiative_timeline_for(user, initiative))
    return [(entry["kind"], entry["record"].pk) for entry in timeline_entries(user, rows)]


def test_the_timeline_shows_workshops_approved_reports_and_briefings_in_date_order(w):
    briefing = w.log(briefed_on=(w.workshop_b.starts_at - dt.timedelta(days=5)).date())
    pending = held_workshop(w.initiative, 5)
    f.OutcomeReportFactory(workshop=pending)  # a draft: not on the timeline
    assert timeline(w.lead, w.initiative) == [
        ("workshop", w.workshop_a.pk),
        ("report", w.report_a.pk),
        ("briefing", briefing.pk),
        ("workshop", w.workshop_b.pk),
        ("report", w.report_b.pk),
        ("workshop", pending.pk),
    ]


def test_the_timeline_leaves_out_what_the_viewer_may_not_see(client, w, make_user):
    member = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=w.initiative, user=member)
    secret = held_workshop(w.initiative, 10, level=Level.STRICTLY_CONFIDENTIAL, title="Workshop Secret")
    secret_report = approved_report(secret, w.lead, level=Level.STRICTLY_CONFIDENTIAL)
    hidden = [
        w.log(reports=[secret_report], recipient="Secret envoy"),
        w.log(reports=[w.report_a, secret_report], recipient="Mixed envoy"),
        w.log(level=Level.STRICTLY_CONFIDENTIAL, recipient="High envoy"),
    ]
    shown = w.log(recipient="Open envoy")
    entries = timeline(member, w.initiative)
    assert ("workshop", secret.pk) not in entries
    assert ("report", secret_report.pk) not in entries
    assert not {("briefing", briefing.pk) for briefing in hidden} & set(entries)
    assert ("briefing", shown.pk) in entries
    client.force_login(member)
    page = client.get(reverse("facilitators:initiative-timeline", args=[w.initiative.pk])).content.decode()
    listing = client.get(reverse("facilitators:initiative-briefings", args=[w.initiative.pk])).content.decode()
    for text in ("Workshop Secret", "Secret envoy", "Mixed envoy", "High envoy"):
        assert text not in page and text not in listing
    assert "Open envoy" in page and "Open envoy" in listing
    counted = client.get(reverse("facilitators:initiative-timeline", args=[w.initiative.pk])).context["page_obj"]
    assert counted.paginator.count == len(entries)  # nothing hidden is counted


def test_the_timeline_pages(client, w, settings):
    settings.PARLEY_PAGE_SIZE = 2
    client.force_login(w.lead)
    url = reverse("facilitators:initiative-timeline", args=[w.initiative.pk])
    first = client.get(url)
    assert len(first.context["entries"]) == 2
    assert "Page 1 of 2" in first.content.decode()
    assert [entry["record"] for entry in client.get(url + "?page=2").context["entries"]] == [w.workshop_b, w.report_b]


def test_the_initiative_page_links_to_its_timeline(client, w):
    client.force_login(w.lead)
    page = client.get(w.initiative.get_absolute_url()).content.decode()
    assert reverse("facilitators:initiative-timeline", args=[w.initiative.pk]) in page


# --- Query counts: pinned, at two data sizes ---------------------------------------------------------


def grow(w, n):
    for i in range(n):
        workshop = held_workshop(w.initiative, 30 - i, title=f"Grown {i}")
        f.AssignmentFactory(workshop=workshop, facilitator=w.facilitator_a)
        report = approved_report(workshop, w.lead)
        day = (workshop.ends_at + dt.timedelta(days=2)).date()  # interleaved with the workshops on the timeline
        w.log(reports=[report, w.report_a], recipient=f"Envoy {i}", briefed_on=day)
        w.log(reports=[report], recipient=f"Minister {i}", briefed_on=day)


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize(
    ("page", "viewer", "expected"),
    [
        # The user and their second factor (2), the viewer's ties (read once for every rule), the initiative,
        # the entries counted (up to the bound), a page of them (one UNION), and the records of each kind on
        # the page (3).
        ("timeline", "lead", 9),
        # 2, the initiative, the count, a page, the reports each drew on, whether the user may log one.
        ("briefings", "lead", 8),
        # 2, the briefing, its reports, the read logged, whether the initiative is visible, whether on its team.
        ("detail", "lead", 8),
        # Not on the team: "whether on its team" needs no query, "whether assigned" is read from the ties.
        ("detail", "facilitator", 7),
    ],
)
def test_briefing_pages_run_a_fixed_number_of_queries(client, w, page, viewer, expected):
    briefing = w.log(reports=[w.report_a], recipient="First envoy")
    urls = {
        "timeline": reverse("facilitators:initiative-timeline", args=[w.initiative.pk]),
        "briefings": reverse("facilitators:initiative-briefings", args=[w.initiative.pk]),
        "detail": reverse("facilitators:briefing-detail", args=[briefing.pk]),
    }
    client.force_login(w.lead if viewer == "lead" else w.facilitator_a.user)
    queries(client, urls[page])  # warm per-process caches
    small = queries(client, urls[page])
    grow(w, 12)
    large = queries(client, urls[page])
    assert small == large, f"{page}: {small} queries with little data, {large} with more"
    assert large == expected
