"""Outcome reports: the workflow (draft → submitted → approved, or returned), the optimistic lock, the level
rule, the non-attribution check at submission, the diff between versions, and the public summary rule."""

from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.levels import Level, Role
from dialogues.models import TeamMembership
from facilitators import services
from facilitators.diff import diff_texts, diff_versions
from facilitators.models import OutcomeReport, OutcomeReportEvent

from . import factories as f

pytestmark = pytest.mark.django_db


@dataclass
class Room:
    workshop: object
    lead: object
    officer: object
    facilitator: object
    outsider: object
    session: object


@pytest.fixture
def room(make_user):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.CONFIDENTIAL)
    lead = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    officer = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    f.TeamMembershipFactory(initiative=initiative, user=officer, role=TeamMembership.Role.PROGRAMME_OFFICER)
    facilitator = make_user(Role.FACILITATOR, Level.CONFIDENTIAL)
    f.AssignmentFactory(workshop=workshop, facilitator=f.FacilitatorFactory(user=facilitator))
    outsider = make_user(Role.FACILITATOR, Level.STRICTLY_CONFIDENTIAL)
    f.FacilitatorFactory(user=outsider)
    person = f.ParticipantFactory(full_name="Amira Haddad", organization=f.OrganizationFactory(name="Levant Forum"))
    f.InvitationFactory(workshop=workshop, participant=person)
    session = f.AgendaSessionFactory(workshop=workshop, title="Water sharing")
    return Room(workshop, lead, officer, facilitator, outsider, session)


def started(room, **text):
    report = services.outcome_report_start(workshop=room.workshop, by=room.facilitator)
    if text:
        services.outcome_report_save(report=report, by=room.facilitator, expected_version=report.version, **text)
    return report


def submitted(room, **text):
    report = started(room, summary="The parties explored a hotline.", **text)
    services.outcome_report_submit(report=report, by=room.facilitator, expected_version=report.version)
    return report


# --- Starting -------------------------------------------------------------------------------------------


def test_a_report_starts_as_a_draft_at_the_workshops_level_with_its_first_version(room):
    report = started(room)
    assert (report.status, report.version, report.level) == ("draft", 1, Level.CONFIDENTIAL)
    assert list(report.versions.values_list("number", flat=True)) == [1]
    assert list(report.events.values_list("action", flat=True)) == ["created"]


def test_one_report_per_workshop_and_one_per_session(room):
    started(room)
    with pytest.raises(ValidationError, match="has an outcome report already"):
        services.outcome_report_start(workshop=room.workshop, by=room.lead)
    session_report = services.outcome_report_start(workshop=room.workshop, session=room.session, by=room.lead)
    assert session_report.session == room.session
    with pytest.raises(ValidationError, match="session has an outcome report already"):
        services.outcome_report_start(workshop=room.workshop, session=room.session, by=room.lead)


def test_a_session_of_another_workshop_is_refused(room):
    other = f.AgendaSessionFactory()
    with pytest.raises(ValidationError):
        services.outcome_report_start(workshop=room.workshop, session=other, by=room.facilitator)


def test_only_the_workshops_facilitators_and_team_may_start_a_report(room):
    with pytest.raises(ValidationError, match="Only the workshop's facilitators"):
        services.outcome_report_start(workshop=room.workshop, by=room.outsider)
    assert not OutcomeReport.objects.exists()


# --- The level rule ---------------------------------------------------------------------------------------


def test_the_level_may_be_raised_never_lowered_below_the_workshops(room):
    with pytest.raises(ValidationError, match="never lowered"):
        services.outcome_report_start(workshop=room.workshop, by=room.lead, level=Level.INTERNAL)
    report = services.outcome_report_start(workshop=room.workshop, by=room.lead, level=Level.STRICTLY_CONFIDENTIAL)
    assert report.level == Level.STRICTLY_CONFIDENTIAL
    with pytest.raises(ValidationError, match="never lowered"):
        services.outcome_report_save(report=report, by=room.lead, expected_version=1, level=Level.PUBLIC)
    assert OutcomeReport.objects.get().level == Level.STRICTLY_CONFIDENTIAL


def test_nobody_raises_a_report_above_their_own_clearance(room):
    report = started(room)
    with pytest.raises(ValidationError, match="above your own clearance"):
        services.outcome_report_save(
            report=report, by=room.facilitator, expected_version=1, level=Level.STRICTLY_CONFIDENTIAL
        )


def test_the_edit_form_offers_no_level_below_the_workshops(client, room):
    report = started(room)
    client.force_login(room.lead)
    form = client.get(reverse("facilitators:report-edit", args=[report.pk])).context["form"]
    assert [value for value, _label in form.fields["level"].choices] == [
        Level.CONFIDENTIAL,
        Level.STRICTLY_CONFIDENTIAL,
    ]


# --- Saving and the lock -----------------------------------------------------------------------------------


def test_each_save_keeps_a_new_version_with_its_text_and_level(room):
    report = started(room, summary="First text", public_summary="For all")
    services.outcome_report_save(report=report, by=room.lead, expected_version=2, summary="Second text")
    assert report.version == 3
    contents = {v.number: v.content for v in report.versions.all()}
    assert contents[2]["summary"] == "First text" and contents[3]["summary"] == "Second text"
    assert contents[3]["public_summary"] == "For all" and contents[3]["level"] == Level.CONFIDENTIAL
    assert list(report.events.values_list("action", "version")) == [("created", 1), ("saved", 2), ("saved", 3)]


def test_a_save_that_changes_nothing_keeps_no_new_version(room):
    report = started(room, summary="Same")
    services.outcome_report_save(report=report, by=room.facilitator, expected_version=2, summary="Same")
    assert report.version == 2 and report.versions.count() == 2


def test_the_second_of_two_people_editing_the_same_draft_is_refused(room):
    report = started(room, summary="Base")
    mine = OutcomeReport.objects.get(pk=report.pk)
    theirs = OutcomeReport.objects.get(pk=report.pk)
    services.outcome_report_save(report=theirs, by=room.lead, expected_version=2, summary="Theirs")
    # Mine was read before their save: the conditional update finds version 2 gone.
    with pytest.raises(ValidationError, match="Someone else saved this report since you opened it") as refusal:
        services.outcome_report_save(report=mine, by=room.facilitator, expected_version=2, summary="Mine")
    assert refusal.value.code == "stale"
    stored = OutcomeReport.objects.get(pk=report.pk)
    assert (stored.summary, stored.version) == ("Theirs", 3)
    assert stored.versions.count() == 3


def test_a_page_opened_at_an_older_version_is_refused(client, room):
    report = started(room, summary="Base")
    services.outcome_report_save(report=report, by=room.lead, expected_version=2, summary="Theirs")
    client.force_login(room.facilitator)
    data = {"summary": "Mine", "level": Level.CONFIDENTIAL, "version": 2}
    response = client.post(reverse("facilitators:report-edit", args=[report.pk]), data)
    assert response.status_code == 200
    assert "Someone else saved this report since you opened it" in response.content.decode()
    assert response.context["form"]["summary"].value() == "Mine"  # their text is not lost
    assert OutcomeReport.objects.get(pk=report.pk).summary == "Theirs"


def test_the_edit_page_saves_and_a_tampered_version_is_a_clear_message(client, room):
    report = started(room)
    client.force_login(room.facilitator)
    url = reverse("facilitators:report-edit", args=[report.pk])
    response = client.post(url, {"summary": "New", "level": Level.CONFIDENTIAL, "version": 1})
    assert response.status_code == 302
    assert OutcomeReport.objects.get(pk=report.pk).summary == "New"
    response = client.post(url, {"summary": "x", "level": Level.CONFIDENTIAL, "version": "9" * 30})
    assert "This page is out of date" in response.content.decode()


def test_the_live_preview_renders_sanitised_markdown(client, room):
    report = started(room)
    client.force_login(room.facilitator)
    url = reverse("facilitators:report-preview", args=[report.pk])
    response = client.post(url, {"section": "convergence", "convergence": "**yes** <script>x()</script>"})
    html = response.content.decode()
    assert "<strong>yes</strong>" in html and "<script" not in html
    client.force_login(room.outsider)
    assert client.post(url, {"section": "summary", "summary": "x"}).status_code == 404


# --- Submission and the non-attribution check ------------------------------------------------------------------


def test_submission_is_refused_until_each_attribution_is_confirmed_and_the_confirmation_is_kept(room):
    report = started(room, summary="Ms Haddad's proposal on a hotline won support.")
    hits = services.outcome_report_attributions(report=report, user=room.facilitator)
    assert [hit.term for hit in hits] == ["Amira Haddad"]
    with pytest.raises(ValidationError, match="without your confirmation"):
        services.outcome_report_submit(report=report, by=room.facilitator, expected_version=2)
    assert OutcomeReport.objects.get(pk=report.pk).status == "draft"
    services.outcome_report_submit(report=report, by=room.facilitator, expected_version=2, confirmed=[hits[0].key])
    assert report.status == "submitted" and report.submitted_at
    event = report.events.get(action="submitted")
    assert event.attributions_confirmed[0]["key"] == hits[0].key
    assert "Haddad" in event.attributions_confirmed[0]["excerpt"]


def test_the_submit_page_shows_each_hit_in_context_with_a_tick(client, room):
    report = started(room, summary="The Levant Forum hosted a side meeting.")
    client.force_login(room.facilitator)
    url = reverse("facilitators:report-submit", args=[report.pk])
    page = client.get(url).content.decode()
    assert "Levant Forum</mark>" in page and 'name="confirmed"' in page
    response = client.post(url, {"version": 2})
    assert "without your confirmation" in response.content.decode()
    [hit] = response.context["hits"]
    assert client.post(url, {"version": 2, "confirmed": [hit["key"]]}).status_code == 302
    assert OutcomeReport.objects.get(pk=report.pk).status == "submitted"


def test_an_empty_report_is_not_submitted(room):
    report = started(room)
    with pytest.raises(ValidationError, match="Write the summary"):
        services.outcome_report_submit(report=report, by=room.facilitator, expected_version=1)


# --- Review: return, approve, amend -----------------------------------------------------------------------------


def test_only_a_lead_of_the_initiative_returns_or_approves(room):
    report = submitted(room)
    for who in (room.officer, room.facilitator, room.outsider):
        with pytest.raises(ValidationError, match="Only a lead"):
            services.outcome_report_approve(report=report, by=who)
        with pytest.raises(ValidationError, match="Only a lead"):
            services.outcome_report_return(report=report, by=who, comment="No")
    assert OutcomeReport.objects.get(pk=report.pk).status == "submitted"


def test_the_review_page_is_for_leads(client, room):
    report = submitted(room)
    url = reverse("facilitators:report-review", args=[report.pk])
    client.force_login(room.officer)
    assert client.get(url).status_code == 403
    client.force_login(room.lead)
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision": "return", "comment": ""})
    assert "a report is returned with comments" in response.content.decode()
    assert client.post(url, {"decision": "approve"}).status_code == 302
    assert OutcomeReport.objects.get(pk=report.pk).status == "approved"


def test_a_report_is_returned_with_comments_and_can_be_changed_and_submitted_again(room):
    report = submitted(room)
    with pytest.raises(ValidationError, match="returned with comments"):
        services.outcome_report_return(report=report, by=room.lead, comment="  ")
    services.outcome_report_return(report=report, by=room.lead, comment="Say more on divergence.")
    assert (report.status, report.review_comment) == ("returned", "Say more on divergence.")
    services.outcome_report_save(report=report, by=room.facilitator, expected_version=2, divergence="More.")
    services.outcome_report_submit(report=report, by=room.facilitator, expected_version=3)
    assert report.status == "submitted"
    assert report.events.get(action="returned").comment == "Say more on divergence."


def test_an_approved_report_is_locked_and_an_amendment_is_approved_again(room):
    report = submitted(room)
    services.outcome_report_approve(report=report, by=room.lead)
    assert (report.status, report.approved_version, report.approved_by) == ("approved", 2, room.lead)
    with pytest.raises(ValidationError, match="approved and locked"):
        services.outcome_report_save(report=report, by=room.facilitator, expected_version=2, summary="Changed")
    services.outcome_report_amend(report=report, by=room.facilitator)
    assert (report.status, report.version, report.approved_version) == ("draft", 3, 2)
    services.outcome_report_save(report=report, by=room.facilitator, expected_version=3, summary="Amended")
    assert report.versions.get(number=2).content["summary"] == "The parties explored a hotline."
    services.outcome_report_submit(report=report, by=room.facilitator, expected_version=4)
    services.outcome_report_approve(report=report, by=room.lead)
    assert report.approved_version == 4
    actions = list(report.events.values_list("action", flat=True))
    assert actions[-4:] == ["amended", "saved", "submitted", "approved"]


def test_a_draft_cannot_be_approved_nor_an_approved_report_approved_twice(room):
    report = started(room, summary="x")
    with pytest.raises(ValidationError):
        services.outcome_report_approve(report=report, by=room.lead)
    services.outcome_report_submit(report=report, by=room.facilitator, expected_version=2)
    services.outcome_report_approve(report=report, by=room.lead)
    with pytest.raises(ValidationError):
        services.outcome_report_approve(report=report, by=room.lead)
    assert OutcomeReportEvent.objects.filter(report=report, action="approved").count() == 1


def test_the_approved_version_stays_readable_during_an_amendment(client, room):
    report = submitted(room)
    services.outcome_report_approve(report=report, by=room.lead)
    services.outcome_report_amend(report=report, by=room.facilitator)
    client.force_login(room.officer)
    page = client.get(reverse("facilitators:report-detail", args=[report.pk])).content.decode()
    assert reverse("facilitators:report-version", args=[report.pk, 2]) in page
    version_page = client.get(reverse("facilitators:report-version", args=[report.pk, 2]))
    assert "The parties explored a hotline." in version_page.content.decode()


# --- The public summary -----------------------------------------------------------------------------------------


def test_the_public_summary_reaches_the_workshop_page_only_once_approved(client, room, make_user):
    # The workshop is INTERNAL, the report raised to CONFIDENTIAL: staff see the workshop, not the report.
    room.workshop.initiative.level = room.workshop.level = Level.INTERNAL
    room.workshop.initiative.save()
    room.workshop.save()
    report = services.outcome_report_start(workshop=room.workshop, by=room.lead, level=Level.CONFIDENTIAL)
    services.outcome_report_save(
        report=report, by=room.lead, expected_version=1, summary="Secret **detail**", public_summary="A _calm_ round."
    )
    services.outcome_report_submit(report=report, by=room.lead, expected_version=2)
    staff = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    client.force_login(staff)
    url = room.workshop.get_absolute_url()
    page = client.get(url).content.decode()
    assert "calm" not in page and "Secret" not in page
    assert client.get(reverse("facilitators:report-detail", args=[report.pk])).status_code == 404

    services.outcome_report_approve(report=report, by=room.lead)
    page = client.get(url).content.decode()
    assert "A <em>calm</em> round." in page
    assert "Secret" not in page and reverse("facilitators:report-detail", args=[report.pk]) not in page

    # An amendment in progress does not change what is public: the approved text stays.
    services.outcome_report_amend(report=report, by=room.lead)
    services.outcome_report_save(report=report, by=room.lead, expected_version=3, public_summary="Draft words")
    page = client.get(url).content.decode()
    assert "A <em>calm</em> round." in page and "Draft words" not in page


def test_the_workshop_page_lists_its_reports_and_offers_to_start_one_to_its_writers(client, room):
    report = started(room)
    client.force_login(room.facilitator)
    page = client.get(room.workshop.get_absolute_url()).content.decode()
    assert reverse("facilitators:report-detail", args=[report.pk]) in page
    assert reverse("facilitators:report-start", args=[room.workshop.pk]) in page


def test_the_start_page_offers_the_sessions_without_a_report(client, room):
    started(room)
    client.force_login(room.facilitator)
    url = reverse("facilitators:report-start", args=[room.workshop.pk])
    form = client.get(url).context["form"]
    assert [label for _value, label in form.fields["part"].choices] == ["Water sharing"]
    response = client.post(url, {"part": str(room.session.pk), "level": Level.CONFIDENTIAL})
    assert response.status_code == 302
    assert OutcomeReport.objects.get(session=room.session).author == room.facilitator


# --- The diff ---------------------------------------------------------------------------------------------------


def test_the_diff_highlights_the_words_changed_in_a_line_and_escapes_everything():
    [row] = diff_texts("The <b>parties</b> agreed on a hotline.", "The <b>parties</b> rejected a hotline.")
    assert row.kind == "changed"
    assert '<del class="diff-del bg-danger-subtle">agreed on</del>' in row.left
    assert '<ins class="diff-ins bg-success-subtle">rejected</ins>' in row.right
    assert "&lt;b&gt;parties&lt;/b&gt;" in row.left and "<b>" not in row.left


def test_the_diff_shows_lines_added_and_removed_side_by_side():
    rows = diff_texts("one\ntwo\nthree", "one\nthree\nfour")
    assert [(row.kind, row.left_number, row.right_number) for row in rows] == [
        ("equal", 1, 1),
        ("removed", 2, None),
        ("equal", 3, 2),
        ("added", None, 3),
    ]


def test_the_diff_of_two_versions_names_the_sections_and_the_level():
    sections = diff_versions({"summary": "a", "level": 30}, {"summary": "a", "level": 40})
    changed = [section.name for section in sections if section.changed]
    assert changed == ["level"]
    [row] = next(s for s in sections if s.name == "level").rows
    assert "Strictly confidential" in row.right


def test_the_diff_page_compares_any_two_versions_and_refuses_a_missing_one(client, room):
    report = started(room, summary="alpha <script>x</script>")
    services.outcome_report_save(report=report, by=room.lead, expected_version=2, summary="beta <script>x</script>")
    client.force_login(room.officer)
    url = reverse("facilitators:report-diff", args=[report.pk])
    page = client.get(url, {"a": 2, "b": 3}).content.decode()
    assert "alpha</del>" in page and "beta</ins>" in page and "<script>x" not in page
    response = client.get(url, {"a": 1, "b": 99})
    assert response.status_code == 200 and "No such version" in response.content.decode()
    assert client.get(url, {"a": "x", "b": "-1"}).status_code == 200


# --- Query counts ------------------------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["report-detail", "report-versions"])
def test_report_pages_run_a_fixed_number_of_queries(client, room, page):
    report = started(room, summary="Start")
    client.force_login(room.lead)
    url = reverse(f"facilitators:{page}", args=[report.pk])
    counts = []
    for size in (2, 12):
        while report.version < size:
            services.outcome_report_save(
                report=report, by=room.lead, expected_version=report.version, summary=f"Text {report.version}"
            )
        f.ActionItemFactory(report=report)
        counts.append(_queries(client, url))
    assert counts[0] == counts[1]
    assert counts[0] == {"report-detail": EXPECTED_DETAIL_QUERIES, "report-versions": EXPECTED_VERSIONS_QUERIES}[page]


EXPECTED_DETAIL_QUERIES = 11  # with the viewer's ties, read once per request for every rule
EXPECTED_VERSIONS_QUERIES = 6
