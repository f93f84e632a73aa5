"""Each rule about what may be saved is written once, and every way of writing obeys it alike: the site's
pages, the Django admin (its own pages and its inline rows) and the services called directly.

- a team member is cleared for the initiative's level (``TeamMembership.clean``);
- who joins a team has an active account of an admin, staff member or facilitator (``TeamMembership.clean``);
- the team has a lead (``services._team_led``, after every change to a team);
- a workshop is never less confidential than its initiative (``Workshop.clean``);
- so an initiative's level is not raised above one of its workshops (``Initiative.clean``), nor above
  a team member's clearance;
- a session falls within its workshop (``AgendaSession.clean``).
"""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from dialogues import services
from dialogues.models import AgendaSession, Initiative, TeamMembership, Workshop

from . import factories as f
from .test_dialogues_views import team_initiative, unchanged_post_data, workshop_post_data

pytestmark = pytest.mark.django_db

LEAD, ADVISOR = TeamMembership.Role.LEAD, TeamMembership.Role.ADVISOR
JUNIOR_NOT_CLEARED = (
    "Junior Officer is cleared for Internal only, below this initiative's level (Confidential). "
    "Choose someone cleared for it."
)
WORKSHOP_BELOW = "A workshop cannot be less confidential than its initiative (Confidential)."


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_page_data(response):
    """What an admin add or change page posts if nothing is changed: its form and its inlines' rows."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        data.update({field.html_name: field.value() for field in inline.formset.management_form})
        forms.extend(inline.formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value == "" or value is False or value == []:
                continue
            if isinstance(field.field.widget, AdminSplitDateTime):
                data[f"{field.html_name}_0"] = value.date().isoformat()
                data[f"{field.html_name}_1"] = value.time().isoformat()
            elif value is True:
                data[field.html_name] = "on"
            else:
                data[field.html_name] = value
    return data


def admin_post(client, url, follow=False, **changes):
    data = admin_page_data(client.get(url))
    data.update(changes)
    return client.post(url, data, follow=follow)


def inline_errors(response):
    """Every message on an admin page's inline rows."""
    return [
        str(message)
        for inline in response.context["inline_admin_formsets"]
        for form in inline.formset.forms
        for messages in form.errors.values()
        for message in messages
    ]


def site_initiative_edit(client, initiative, **changes):
    url = reverse("dialogues:initiative-update", args=[initiative.pk])
    data = unchanged_post_data(client.get(url), ["parties", "team", "fundings"])
    data.update(changes)
    return client.post(url, data)


def site_team_errors(response):
    return [str(message) for form in response.context["formsets"]["team"] for message in form.errors.get("user", [])]


@pytest.fixture
def junior(make_user):
    return make_user(Role.STAFF, Level.INTERNAL, full_name="Junior Officer")


@pytest.fixture
def confidential(make_user, admin_user):
    """A CONFIDENTIAL initiative, its lead, and the admin on its team (or the admin could not see it)."""
    initiative, lead = team_initiative(make_user, level=Level.CONFIDENTIAL, clearance=Level.STRICTLY_CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=admin_user, role=ADVISOR)
    return initiative, lead


def team_of(initiative):
    return set(initiative.team_memberships.values_list("user", flat=True))


def roles_of(initiative):
    return dict(initiative.team_memberships.values_list("user", "role"))


def team_row(data, user, prefix="team"):
    """The names of ``user``'s row among a page's posted rows, without the field: "team-1"."""
    return next(
        key.removesuffix("-user")
        for key, value in data.items()
        if key.startswith(f"{prefix}-") and key.endswith("-user") and value == user.pk
    )


def admin_messages(response):
    """The messages an admin page shows (after following the redirect of a refused save)."""
    return [str(message) for message in response.context["messages"]]


# --- who joins a team: cleared for the initiative's level, an active admin, staff member or facilitator


NOT_CLEARED = (
    "Pat Outsider is cleared for Internal only, below this initiative's level (Confidential). "
    "Choose someone cleared for it."
)
NOT_A_TEAM_ROLE = "Pat Outsider's role is %s: only admins, staff and facilitators can be on a team."
DEACTIVATED = "Pat Outsider's account is deactivated: choose someone with an active account."
MAY_NOT_JOIN = {
    # kind: role, clearance, active, and what every way of writing says
    "uncleared": (Role.STAFF, Level.INTERNAL, True, NOT_CLEARED),
    "participant": (Role.PARTICIPANT, Level.STRICTLY_CONFIDENTIAL, True, NOT_A_TEAM_ROLE % "participant"),
    "observer": (Role.OBSERVER, Level.STRICTLY_CONFIDENTIAL, True, NOT_A_TEAM_ROLE % "observer"),
    "deactivated": (Role.STAFF, Level.STRICTLY_CONFIDENTIAL, False, DEACTIVATED),
}


def may_not_join(make_user, kind):
    role, clearance, active, refusal = MAY_NOT_JOIN[kind]
    return make_user(role, clearance, full_name="Pat Outsider", is_active=active), refusal


@pytest.fixture(params=list(MAY_NOT_JOIN))
def refused(request, make_user):
    """Someone who may not join the confidential initiative's team, and what every way of writing says."""
    return may_not_join(make_user, request.param)


@pytest.fixture(params=["participant", "observer", "deactivated"])
def outsider(request, make_user):
    """Someone the site's team picker does not offer (``selectors.team_candidates``)."""
    return may_not_join(make_user, request.param)


def test_the_site_page_refuses_an_uncleared_team_member(client, confidential, junior):
    initiative, lead = confidential
    client.force_login(lead)
    response = site_initiative_edit(client, initiative, **{"team-2-user": junior.pk, "team-2-role": ADVISOR})
    assert response.status_code == 200
    assert site_team_errors(response) == [JUNIOR_NOT_CLEARED]
    assert junior.pk not in team_of(initiative)


def test_the_site_page_neither_offers_nor_takes_an_outsider(client, confidential, outsider):
    initiative, lead = confidential
    user, _ = outsider
    client.force_login(lead)
    url = reverse("dialogues:initiative-update", args=[initiative.pk])
    offered = dict(client.get(url).context["formsets"]["team"].forms[0].fields["user"].choices)
    assert user.pk not in offered
    response = site_initiative_edit(client, initiative, **{"team-2-user": user.pk, "team-2-role": ADVISOR})
    assert response.status_code == 200
    assert site_team_errors(response) == ["Select a valid choice. That choice is not one of the available choices."]
    assert user.pk not in team_of(initiative)


def test_the_site_page_refuses_to_give_a_deactivated_member_another_place(client, confidential, make_user):
    """A member deactivated after joining stays on the page's rows (and in its picker); handing them
    another member's place is someone joining, and refused as in the admin and the services."""
    initiative, lead = confidential
    gone = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL, full_name="Pat Outsider")
    f.TeamMembershipFactory(initiative=initiative, user=gone, role=ADVISOR)
    gone.is_active = False
    gone.save()
    client.force_login(lead)
    url = reverse("dialogues:initiative-update", args=[initiative.pk])
    data = unchanged_post_data(client.get(url), ["parties", "team", "fundings"])
    lead_row, gone_row = team_row(data, lead), team_row(data, gone)
    data.update({f"{lead_row}-user": gone.pk, f"{gone_row}-user": lead.pk})
    response = client.post(url, data)
    assert response.status_code == 200
    assert site_team_errors(response) == [DEACTIVATED]
    assert roles_of(initiative)[lead.pk] == LEAD


def test_the_admins_team_membership_page_refuses_who_may_not_join(client, admin_user, confidential, refused):
    """The bypass once found: an INTERNAL-cleared staff member put on a CONFIDENTIAL initiative's team
    through the admin's own team-membership page (and so could a participant's account be)."""
    initiative, _ = confidential
    user, refusal = refused
    client.force_login(admin_user)
    response = client.post(
        admin_url(TeamMembership, "add"), {"initiative": initiative.pk, "user": user.pk, "role": ADVISOR}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"] == [refusal]
    assert user.pk not in team_of(initiative)


def test_the_admins_team_membership_page_refuses_to_hand_a_place_to_who_may_not_join(
    client, admin_user, confidential, refused
):
    initiative, _ = confidential
    user, refusal = refused
    place = initiative.team_memberships.get(user=admin_user)
    client.force_login(admin_user)
    response = admin_post(client, admin_url(TeamMembership, "change", place.pk), user=user.pk)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"] == [refusal]
    place.refresh_from_db()
    assert place.user == admin_user


def test_the_initiative_admins_team_rows_refuse_who_may_not_join(client, admin_user, confidential, refused):
    initiative, _ = confidential
    user, refusal = refused
    client.force_login(admin_user)
    url = admin_url(Initiative, "change", initiative.pk)
    data = admin_page_data(client.get(url))
    row = data["team_memberships-TOTAL_FORMS"]
    data.update(
        {
            "team_memberships-TOTAL_FORMS": row + 1,
            f"team_memberships-{row}-initiative": initiative.pk,
            f"team_memberships-{row}-user": user.pk,
            f"team_memberships-{row}-role": ADVISOR,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert inline_errors(response) == [refusal]
    assert user.pk not in team_of(initiative)


def test_the_services_refuse_who_may_not_join(confidential, admin_user, refused):
    initiative, lead = confidential
    user, refusal = refused
    with pytest.raises(ValidationError) as added:
        services.team_membership_add(initiative=initiative, user=user, role=ADVISOR, by=lead)
    assert added.value.message_dict == {"user": [refusal]}
    place = initiative.team_memberships.get(user=admin_user)
    with pytest.raises(ValidationError) as changed:
        services.team_membership_change(membership=place, by=lead, user=user)
    assert changed.value.message_dict == {"user": [refusal]}
    team = [{"id": m.pk, "user": m.user, "role": m.role} for m in initiative.team_memberships.all()]
    with pytest.raises(ValidationError) as updated:
        services.initiative_update(
            initiative=initiative, by=lead, team=[*team, {"id": None, "user": user, "role": ADVISOR}]
        )
    assert updated.value.message_dict == {"team": [refusal]}
    assert team_of(initiative) == {lead.pk, admin_user.pk}


@pytest.fixture
def with_stale_member(confidential, make_user):
    """The confidential initiative, with a member whose account was deactivated, and one who became a
    participant, after they joined."""
    initiative, lead = confidential
    gone = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL, full_name="Gone Away")
    moved = make_user(Role.FACILITATOR, Level.STRICTLY_CONFIDENTIAL, full_name="Now Participant")
    f.TeamMembershipFactory(initiative=initiative, user=gone, role=ADVISOR)
    f.TeamMembershipFactory(initiative=initiative, user=moved, role=ADVISOR)
    gone.is_active = False
    gone.save()
    moved.role = Role.PARTICIPANT
    moved.save()
    return initiative, lead, {gone.pk, moved.pk}


def test_a_member_who_may_no_longer_join_does_not_block_saving_the_team(client, admin_user, with_stale_member):
    """The rule is asked as someone joins: members who joined before their account changed keep their
    places until taken off, and the initiative and the rest of its team are saved around them."""
    initiative, lead, stale = with_stale_member
    client.force_login(lead)
    assert site_initiative_edit(client, initiative, title="Renamed on the site").status_code == 302
    client.force_login(admin_user)
    url = admin_url(Initiative, "change", initiative.pk)
    assert admin_post(client, url, title="Renamed in the admin").status_code == 302
    team = [{"id": m.pk, "user": m.user, "role": m.role} for m in initiative.team_memberships.all()]
    services.initiative_update(initiative=initiative, by=lead, team=team, title="Renamed by the service")
    for membership in initiative.team_memberships.filter(user__in=stale):
        services.team_membership_change(membership=membership, by=lead, role=TeamMembership.Role.LOGISTICS)
    assert initiative.team_memberships.filter(user__in=stale, role=TeamMembership.Role.LOGISTICS).count() == 2
    for membership in initiative.team_memberships.filter(user__in=stale):
        services.team_membership_remove(membership=membership, by=lead)
    assert team_of(initiative) == {lead.pk, admin_user.pk}


# --- the team has a lead ------------------------------------------------------------------------------

NO_LEAD = "The team needs at least one lead."


def test_the_site_page_refuses_a_team_without_a_lead(client, confidential):
    initiative, lead = confidential
    client.force_login(lead)
    url = reverse("dialogues:initiative-update", args=[initiative.pk])
    data = unchanged_post_data(client.get(url), ["parties", "team", "fundings"])
    row = team_row(data, lead)
    for change in ({f"{row}-role": ADVISOR}, {f"{row}-DELETE": "on"}):
        response = client.post(url, {**data, **change})
        assert response.status_code == 200
        assert response.context["formsets"]["team"].non_form_errors() == [NO_LEAD]
        assert NO_LEAD in response.content.decode()
        assert roles_of(initiative)[lead.pk] == LEAD


def test_the_admins_team_membership_page_refuses_to_take_the_last_lead_away(client, admin_user, confidential):
    initiative, lead = confidential
    place = initiative.team_memberships.get(user=lead)
    client.force_login(admin_user)
    changed = admin_post(client, admin_url(TeamMembership, "change", place.pk), follow=True, role=ADVISOR)
    assert admin_messages(changed) == [NO_LEAD]
    assert roles_of(initiative)[lead.pk] == LEAD


def test_the_admins_team_membership_delete_page_refuses_to_remove_the_last_lead(client, admin_user, confidential):
    initiative, lead = confidential
    place = initiative.team_memberships.get(user=lead)
    client.force_login(admin_user)
    removed = client.post(admin_url(TeamMembership, "delete", place.pk), {"post": "yes"}, follow=True)
    assert admin_messages(removed) == [NO_LEAD]
    assert roles_of(initiative)[lead.pk] == LEAD


def test_the_initiative_admins_team_rows_refuse_a_team_without_a_lead(client, admin_user, confidential):
    initiative, lead = confidential
    client.force_login(admin_user)
    url = admin_url(Initiative, "change", initiative.pk)
    data = admin_page_data(client.get(url))
    row = team_row(data, lead, prefix="team_memberships")
    for change in ({f"{row}-role": ADVISOR}, {f"{row}-DELETE": "on"}):
        response = client.post(url, {**data, **change, "title": "Renamed"}, follow=True)
        assert admin_messages(response) == [NO_LEAD]
        assert roles_of(initiative)[lead.pk] == LEAD
        initiative.refresh_from_db()
        assert initiative.title != "Renamed"


def test_the_services_refuse_a_team_without_a_lead(confidential, admin_user):
    initiative, lead = confidential
    place = initiative.team_memberships.get(user=lead)
    with pytest.raises(ValidationError) as changed:
        services.team_membership_change(membership=place, by=lead, role=ADVISOR)
    assert changed.value.message_dict == {"team": [NO_LEAD]}
    with pytest.raises(ValidationError) as removed:
        services.team_membership_remove(membership=place, by=lead)
    assert removed.value.message_dict == {"team": [NO_LEAD]}
    team = [{"id": m.pk, "user": m.user, "role": ADVISOR} for m in initiative.team_memberships.all()]
    for rows in (team, []):
        with pytest.raises(ValidationError) as updated:
            services.initiative_update(initiative=initiative, by=lead, team=rows)
        assert updated.value.message_dict == {"team": [NO_LEAD]}
    assert roles_of(initiative) == {lead.pk: LEAD, admin_user.pk: ADVISOR}


def test_moving_the_last_lead_to_another_team_is_refused(confidential, make_user):
    initiative, lead = confidential
    other, _ = team_initiative(make_user, level=Level.CONFIDENTIAL)
    place = initiative.team_memberships.get(user=lead)
    with pytest.raises(ValidationError) as moved:
        services.team_membership_change(membership=place, by=lead, initiative=other)
    assert moved.value.message_dict == {"team": [NO_LEAD]}
    assert roles_of(initiative)[lead.pk] == LEAD


def test_the_lead_may_hand_over_in_one_save(client, confidential, admin_user):
    initiative, lead = confidential
    client.force_login(lead)
    url = reverse("dialogues:initiative-update", args=[initiative.pk])
    data = unchanged_post_data(client.get(url), ["parties", "team", "fundings"])
    data.update({f"{team_row(data, lead)}-role": ADVISOR, f"{team_row(data, admin_user)}-role": LEAD})
    assert client.post(url, data).status_code == 302
    assert roles_of(initiative) == {lead.pk: ADVISOR, admin_user.pk: LEAD}


# --- a workshop is never less confidential than its initiative --------------------------------------


def test_the_site_pages_refuse_a_workshop_below_its_initiative(client, confidential):
    initiative, lead = confidential
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.CONFIDENTIAL)
    client.force_login(lead)
    created = client.post(
        reverse("dialogues:workshop-create", args=[initiative.pk]), workshop_post_data(level=str(Level.INTERNAL))
    )
    assert created.context["form"].errors["level"] == [WORKSHOP_BELOW]
    url = reverse("dialogues:workshop-update", args=[workshop.pk])
    data = unchanged_post_data(client.get(url), ["sessions"])
    changed = client.post(url, {**data, "level": str(Level.INTERNAL)})
    assert changed.context["form"].errors["level"] == [WORKSHOP_BELOW]
    assert list(Workshop.objects.values_list("level", flat=True)) == [Level.CONFIDENTIAL]


def test_the_workshop_admin_refuses_a_workshop_below_its_initiative(client, admin_user, confidential):
    initiative, _ = confidential
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.CONFIDENTIAL)
    client.force_login(admin_user)
    changed = admin_post(client, admin_url(Workshop, "change", workshop.pk), level=Level.INTERNAL)
    assert changed.status_code == 200
    assert changed.context["adminform"].form.errors["level"] == [WORKSHOP_BELOW]
    # The add page, posted what the change page shows, with another title and a lower level.
    data = admin_page_data(client.get(admin_url(Workshop, "change", workshop.pk)))
    data = {key: value for key, value in data.items() if not key.startswith("sessions-") and key != "id"}
    data.update({"level": Level.INTERNAL, "title": "Below", "status": Workshop.Status.PLANNED})
    data.update({"sessions-TOTAL_FORMS": 0, "sessions-INITIAL_FORMS": 0})
    added = client.post(admin_url(Workshop, "add"), data)
    assert added.status_code == 200
    assert added.context["adminform"].form.errors["level"] == [WORKSHOP_BELOW]
    assert list(Workshop.objects.values_list("level", flat=True)) == [Level.CONFIDENTIAL]


def test_the_workshop_services_refuse_a_workshop_below_its_initiative(confidential):
    initiative, lead = confidential
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.CONFIDENTIAL)
    start = timezone.now() + dt.timedelta(days=30)
    with pytest.raises(ValidationError) as created:
        services.workshop_create(
            initiative=initiative,
            by=lead,
            title="Below",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=8),
            level=Level.INTERNAL,
        )
    assert created.value.message_dict == {"level": [WORKSHOP_BELOW]}
    with pytest.raises(ValidationError) as changed:
        services.workshop_update(workshop=workshop, by=lead, level=Level.INTERNAL)
    assert changed.value.message_dict == {"level": [WORKSHOP_BELOW]}
    assert list(Workshop.objects.values_list("level", flat=True)) == [Level.CONFIDENTIAL]


# --- an initiative's level is not raised above one of its workshops --------------------------------


@pytest.fixture
def internal_with_workshop(make_user, admin_user):
    initiative, lead = team_initiative(make_user, level=Level.INTERNAL, clearance=Level.STRICTLY_CONFIDENTIAL)
    f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL, title="Spring roundtable")
    return initiative, lead


RAISE_ABOVE_WORKSHOP = (
    "These workshops are below Confidential and would be less confidential than their initiative: "
    "“Spring roundtable”. Raise their levels first."
)


def test_the_site_page_refuses_to_raise_the_level_above_a_workshop(client, internal_with_workshop):
    initiative, lead = internal_with_workshop
    client.force_login(lead)
    response = site_initiative_edit(client, initiative, level=str(Level.CONFIDENTIAL))
    assert response.context["form"].errors["level"] == [RAISE_ABOVE_WORKSHOP]
    initiative.refresh_from_db()
    assert initiative.level == Level.INTERNAL


def test_the_initiative_admin_refuses_to_raise_the_level_above_a_workshop(client, admin_user, internal_with_workshop):
    initiative, _ = internal_with_workshop
    client.force_login(admin_user)
    response = admin_post(client, admin_url(Initiative, "change", initiative.pk), level=Level.CONFIDENTIAL)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["level"] == [RAISE_ABOVE_WORKSHOP]
    initiative.refresh_from_db()
    assert initiative.level == Level.INTERNAL


def test_the_initiative_service_refuses_to_raise_the_level_above_a_workshop(internal_with_workshop):
    initiative, lead = internal_with_workshop
    with pytest.raises(ValidationError) as refused:
        services.initiative_update(initiative=initiative, by=lead, level=Level.CONFIDENTIAL)
    assert refused.value.message_dict == {"level": [RAISE_ABOVE_WORKSHOP]}
    assert Initiative.objects.get(pk=initiative.pk).level == Level.INTERNAL


def test_the_model_refuses_it_without_naming_the_workshops(internal_with_workshop):
    """The model does not know who is told: the forms and services name what their user may see."""
    initiative, _ = internal_with_workshop
    initiative.level = Level.CONFIDENTIAL
    with pytest.raises(ValidationError) as refused:
        initiative.full_clean()
    [message] = refused.value.message_dict["level"]
    assert message.startswith("Some of its workshops are below Confidential")
    assert "Spring" not in message


# --- an initiative's level is not raised above a team member's clearance ----------------------------


@pytest.fixture
def internal_with_junior(make_user, admin_user, junior):
    initiative, lead = team_initiative(make_user, level=Level.INTERNAL, clearance=Level.STRICTLY_CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=junior, role=ADVISOR)
    return initiative, lead


def test_the_site_page_refuses_to_raise_the_level_above_a_members_clearance(client, internal_with_junior):
    initiative, lead = internal_with_junior
    client.force_login(lead)
    response = site_initiative_edit(client, initiative, level=str(Level.CONFIDENTIAL))
    assert response.status_code == 200
    assert site_team_errors(response) == [JUNIOR_NOT_CLEARED]
    initiative.refresh_from_db()
    assert initiative.level == Level.INTERNAL


def test_the_initiative_admin_refuses_to_raise_the_level_above_a_members_clearance(
    client, admin_user, internal_with_junior
):
    initiative, _ = internal_with_junior
    client.force_login(admin_user)
    response = admin_post(client, admin_url(Initiative, "change", initiative.pk), level=Level.CONFIDENTIAL)
    assert response.status_code == 200
    assert inline_errors(response) == [JUNIOR_NOT_CLEARED]
    initiative.refresh_from_db()
    assert initiative.level == Level.INTERNAL


def test_the_initiative_service_refuses_to_raise_the_level_above_a_members_clearance(internal_with_junior):
    initiative, lead = internal_with_junior
    with pytest.raises(ValidationError) as refused:
        services.initiative_update(initiative=initiative, by=lead, level=Level.CONFIDENTIAL)
    assert refused.value.message_dict == {"team": [JUNIOR_NOT_CLEARED]}
    assert Initiative.objects.get(pk=initiative.pk).level == Level.INTERNAL


def test_the_level_is_raised_when_the_uncleared_member_leaves_in_the_same_save(client, internal_with_junior, junior):
    initiative, lead = internal_with_junior
    client.force_login(lead)
    url = reverse("dialogues:initiative-update", args=[initiative.pk])
    data = unchanged_post_data(client.get(url), ["parties", "team", "fundings"])
    junior_row = next(key for key, value in data.items() if key.startswith("team-") and value == junior.pk)
    data.update({"level": str(Level.CONFIDENTIAL), junior_row.replace("-user", "-DELETE"): "on"})
    assert client.post(url, data).status_code == 302
    initiative.refresh_from_db()
    assert initiative.level == Level.CONFIDENTIAL
    assert team_of(initiative) == {lead.pk}


# --- a session falls within its workshop ---------------------------------------------------------


@pytest.fixture
def workshop_of_a_day(confidential):
    initiative, lead = confidential
    start = dt.datetime(2027, 1, 15, 8, 0, tzinfo=dt.UTC)
    workshop = f.WorkshopFactory(
        initiative=initiative, time_zone="UTC", starts_at=start, ends_at=start + dt.timedelta(hours=8)
    )
    return workshop, lead


OUTSIDE = "A session must fall within the workshop, from 15 Jan 2027, 08:00 to 15 Jan 2027, 16:00."


def test_the_workshop_admin_refuses_a_session_outside_the_workshop(client, admin_user, workshop_of_a_day):
    workshop, _ = workshop_of_a_day
    client.force_login(admin_user)
    response = admin_post(
        client,
        admin_url(Workshop, "change", workshop.pk),
        **{
            "sessions-TOTAL_FORMS": 1,
            "sessions-0-workshop": workshop.pk,
            "sessions-0-title": "Too early",
            "sessions-0-starts_at_0": "2027-01-15",
            "sessions-0-starts_at_1": "07:00:00",
            "sessions-0-ends_at_0": "2027-01-15",
            "sessions-0-ends_at_1": "09:00:00",
        },
    )
    assert response.status_code == 200
    assert inline_errors(response) == [OUTSIDE]
    assert not AgendaSession.objects.exists()


def test_the_workshop_services_refuse_a_session_outside_the_workshop(workshop_of_a_day):
    workshop, lead = workshop_of_a_day
    early = {"id": None, "title": "Too early", "starts_at": workshop.starts_at - dt.timedelta(hours=1)}
    early["ends_at"] = workshop.starts_at + dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as refused:
        services.workshop_update(workshop=workshop, by=lead, sessions=[early])
    assert refused.value.message_dict == {"sessions": [OUTSIDE]}
    assert not AgendaSession.objects.exists()


def test_moving_a_workshop_away_from_its_sessions_is_refused(workshop_of_a_day):
    workshop, lead = workshop_of_a_day
    f.AgendaSessionFactory(
        workshop=workshop, starts_at=workshop.starts_at, ends_at=workshop.starts_at + dt.timedelta(hours=1)
    )
    later = workshop.starts_at + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.workshop_update(workshop=workshop, by=lead, starts_at=later, ends_at=later + dt.timedelta(hours=8))
    assert "sessions" in refused.value.message_dict
    assert Workshop.objects.get(pk=workshop.pk).starts_at == dt.datetime(2027, 1, 15, 8, 0, tzinfo=dt.UTC)


# --- the admin saves through the services ------------------------------------------------------------


def test_the_initiative_admin_adds_the_creator_as_lead_and_the_rows_given(client, admin_user, make_user):
    colleague = make_user(Role.STAFF, Level.CONFIDENTIAL)
    client.force_login(admin_user)
    data = admin_page_data(client.get(admin_url(Initiative, "add")))
    data.update(
        {
            "title": "New dialogue",
            "codename": "FALCON",
            "conflict": "Somewhere",
            "level": Level.CONFIDENTIAL,
            "team_memberships-TOTAL_FORMS": 1,
            "team_memberships-0-user": colleague.pk,
            "team_memberships-0-role": ADVISOR,
            "parties-TOTAL_FORMS": 1,
            "parties-0-name": "North",
        }
    )
    response = client.post(admin_url(Initiative, "add"), data)
    initiative = Initiative.objects.get(codename="FALCON")
    assert response.status_code == 302
    assert response.url == admin_url(Initiative, "changelist")
    assert dict(initiative.team_memberships.values_list("user", "role")) == {admin_user.pk: LEAD, colleague.pk: ADVISOR}
    assert list(initiative.parties.values_list("name", flat=True)) == ["North"]
    entry = LogEntry.objects.get(object_id=str(initiative.pk))
    assert "North" in entry.get_change_message()


def test_the_initiative_admin_lets_two_members_trade_places(client, admin_user, confidential, make_user):
    initiative, lead = confidential
    advisor = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=advisor, role=ADVISOR)
    client.force_login(admin_user)
    url = admin_url(Initiative, "change", initiative.pk)
    data = admin_page_data(client.get(url))
    rows = {value: key for key, value in data.items() if key.startswith("team_memberships-") and key.endswith("-user")}
    data[rows[lead.pk]], data[rows[advisor.pk]] = advisor.pk, lead.pk
    response = client.post(url, data)
    assert response.status_code == 302
    roles = dict(initiative.team_memberships.values_list("user", "role"))
    assert (roles[lead.pk], roles[advisor.pk]) == (ADVISOR, LEAD)


def test_the_team_membership_admin_adds_changes_and_removes_through_the_services(
    client, admin_user, confidential, make_user
):
    initiative, _ = confidential
    colleague = make_user(Role.STAFF, Level.CONFIDENTIAL)
    client.force_login(admin_user)
    added = client.post(
        admin_url(TeamMembership, "add"), {"initiative": initiative.pk, "user": colleague.pk, "role": ADVISOR}
    )
    assert added.status_code == 302
    membership = initiative.team_memberships.get(user=colleague)
    changed = admin_post(client, admin_url(TeamMembership, "change", membership.pk), role=LEAD)
    assert changed.status_code == 302
    membership.refresh_from_db()
    assert membership.role == LEAD
    removed = client.post(admin_url(TeamMembership, "delete", membership.pk), {"post": "yes"})
    assert removed.status_code == 302
    assert colleague.pk not in team_of(initiative)


def test_a_row_added_by_someone_else_while_the_page_was_open_is_not_removed(client, confidential):
    """The rows posted are the complete list the service makes stored: a page that does not show a row
    stored meanwhile is refused, on the site and in the admin, rather than removing that row unseen."""
    initiative, lead = confidential
    site_url = reverse("dialogues:initiative-update", args=[initiative.pk])
    client.force_login(lead)
    site_data = unchanged_post_data(client.get(site_url), ["parties", "team", "fundings"])
    f.PartyFactory(initiative=initiative, name="Added meanwhile")
    response = client.post(site_url, {**site_data, "title": "Renamed"})
    assert response.status_code == 200
    assert "Rows were added by someone else" in response.content.decode()
    assert initiative.parties.filter(name="Added meanwhile").exists()


def test_the_admin_refuses_a_page_that_missed_a_row_added_meanwhile(client, admin_user, confidential):
    initiative, _ = confidential
    url = admin_url(Initiative, "change", initiative.pk)
    client.force_login(admin_user)
    data = admin_page_data(client.get(url))
    f.FundingFactory(initiative=initiative, donor="Added meanwhile")
    response = client.post(url, {**data, "title": "Renamed"})
    assert response.status_code == 200
    assert "Rows were added by someone else" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.title != "Renamed"
    assert initiative.fundings.filter(donor="Added meanwhile").exists()
