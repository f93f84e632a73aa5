"""The demo data set: idempotent, shaped like real Track II work, and obeying the visibility rule."""

import base64
from collections import Counter
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.levels import Level, Role
from demo import logins as demo_logins
from demo import seed as demo_seed_module
from demo.plans import DEMO_PASSWORD, LEAD, USERS
from dialogues.models import Document, DocumentVersion, Initiative, Invitation, Workshop
from facilitators.models import ActionItem, Assignment, OutcomeReport, TrackOneBriefing
from participants.models import Organization, Participant, SanctionsHit, SanctionsList, VettingCase

pytestmark = pytest.mark.django_db

SEEDED_APPS = ("accounts", "account", "mfa", "participants", "dialogues", "facilitators")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def seed(scale=1):
    out = StringIO()
    call_command("seed_demo", scale=scale, stdout=out)
    return out.getvalue()


def snapshot():
    """Every row of every table the demo writes to, as plain values."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for app in SEEDED_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    }


def user(email):
    return User.objects.get(email=email)


def snapshot_sizes():
    """How many rows each table the demo writes to holds, but those of the sign-ins every copy shares."""
    shared = ("account.", "mfa.", "accounts.", "facilitators.Facilitator")
    return {label: len(rows) for label, rows in snapshot().items() if not label.startswith(shared)}


@pytest.fixture
def demo():
    return seed()


# Through the services ------------------------------------------------------------------------------

SERVICES = {
    demo_seed_module: (
        "organization_create",
        "organizations_import",
        "participant_create",
        "participants_import",
        "vetting_cases_import",
        "consent_records_import",
        "sanctions_entry_create",
        "sanctions_entries_import",
        "sanctions_hit_create",
        "sanctions_hits_import",
        "initiative_create",
        "initiatives_import",
        "initiative_update",
        "workshop_create",
        "workshops_import",
        "workshop_update",
        "assignment_create",
        "invitations_import",
        "invitation_reminders_record",
        "document_create",
        "document_version_add",
        "documents_import",
        "outcome_report_create",
        "action_item_create",
        "track_one_briefing_create",
    ),
    demo_logins: ("user_create", "facilitator_create"),
}


@pytest.fixture
def service_calls(monkeypatch):
    """Every call the demo makes to the services above, by name, and how many rows the imports were given."""
    calls, rows = Counter(), Counter()

    def counted(name, service):
        def count_and_call(**kwargs):
            calls[name] += 1
            rows[name] += len(kwargs.get("rows", ()))
            return service(**kwargs)

        return count_and_call

    for module, names in SERVICES.items():
        for name in names:
            monkeypatch.setattr(module, name, counted(name, getattr(module, name)))
    return calls, rows


def test_the_demo_creates_its_records_through_the_services_the_pages_use(service_calls):
    calls, rows = service_calls
    seed()

    assert calls["initiative_create"] == Initiative.objects.count() == 3
    assert calls["workshop_create"] == Workshop.objects.count() == 10
    assert calls["workshop_update"] == Workshop.objects.filter(status=Workshop.Status.CANCELLED).count() == 1
    assert calls["organization_create"] == Organization.objects.count()
    assert calls["participant_create"] + rows["participants_import"] == Participant.objects.count()
    assert rows["invitations_import"] == Invitation.objects.count()
    assert calls["outcome_report_create"] == OutcomeReport.objects.count()
    assert calls["user_create"] == User.objects.count() - 1  # the first admin: nobody exists yet to create it
    assert calls["facilitator_create"] == 1


def test_further_copies_import_what_the_first_creates_one_by_one_and_hold_as_much(demo, service_calls):
    first = snapshot_sizes()
    calls, _rows = service_calls

    seed(scale=2)

    second = Counter(snapshot_sizes()) - Counter(first)
    # The participant account is copy 1's alone; consents follow the people drawn for each copy.
    first["participants.Participant"] -= 1
    first["participants.VettingCase"] -= 1
    # The fictional sanctions list is imported once, whatever the scale (screening runs are asked for each).
    first["participants.SanctionsList"] -= 1
    first["participants.SanctionsEntry"] -= SanctionsList.objects.get().entry_count
    same = [label for label in first if label not in ("participants.ConsentRecord", "participants.ScreeningRun")]
    assert {label: second[label] for label in same} == {label: first[label] for label in same}
    one_by_one = ("organization_create", "initiative_create", "workshop_create", "document_create")
    assert not any(calls[name] for name in one_by_one)
    imports = ("organizations_import", "initiatives_import", "workshops_import", "documents_import")
    assert all(calls[name] for name in imports)


def test_seeding_again_calls_no_service(demo, service_calls):
    calls, _rows = service_calls
    seed()
    assert sum(calls.values()) == 0


# Idempotence ---------------------------------------------------------------------------------------


def test_seeding_twice_creates_nothing_and_changes_nothing(demo):
    first = snapshot()
    assert sum(len(rows) for rows in first.values()) > 500

    output = seed()

    assert snapshot() == first
    assert "nothing created" in output


def test_a_larger_scale_adds_distinct_copies_and_is_idempotent_per_scale(demo):
    single = snapshot()
    seed(scale=2)
    doubled = snapshot()

    assert Initiative.objects.count() == 6
    assert set(Initiative.objects.values_list("codename", flat=True)) >= {"MERIDIAN-2", "KESTREL-2", "TAPESTRY-2"}
    assert User.objects.count() == 6
    assert Invitation.objects.count() > len(single["dialogues.Invitation"]) * 1.9
    seed(scale=2)
    seed(scale=1)
    assert snapshot() == doubled


def values_of(queryset, field="codename"):
    """The set of ``field`` (codenames, unless another column is named) over ``queryset``."""
    return set(queryset.values_list(field, flat=True))


TEAM_SIGN_INS = (LEAD, "staff@parley.test", "facilitator@parley.test")


def confidential_records_seen_by(viewer):
    """The ids of the CONFIDENTIAL and higher initiatives, workshops and participants ``viewer`` may see."""
    return [
        values_of(model.objects.visible_to(viewer).filter(level__gte=Level.CONFIDENTIAL), "pk")
        for model in (Initiative, Workshop, Participant)
    ]


def test_copies_beyond_the_portfolio_are_run_by_teams_of_colleagues_and_the_demo_sees_no_more(demo):
    call_command("seed_demo", scale=2, portfolio=2, stdout=StringIO())
    lead, facilitator, observer = user(LEAD), user("facilitator@parley.test"), user("observer@parley.test")
    seen_before = {email: confidential_records_seen_by(user(email)) for email in TEAM_SIGN_INS}
    assigned_before = values_of(Workshop.objects.visible_to(facilitator), "pk")

    output = StringIO()
    call_command("seed_demo", scale=4, portfolio=2, stdout=output)

    assert Initiative.objects.count() == 12
    colleague = user("lead-team2@parley.test")
    assert (colleague.role, colleague.clearance) == (lead.role, lead.clearance)
    assert colleague.full_name != lead.full_name
    led = values_of(lead.team_memberships.all(), "initiative__codename")
    assert led == {"MERIDIAN", "KESTREL", "MERIDIAN-2", "KESTREL-2"}
    assert values_of(colleague.team_memberships.all(), "initiative__codename") == {
        "MERIDIAN-3",
        "KESTREL-3",
        "MERIDIAN-4",
        "KESTREL-4",
    }
    assert values_of(Initiative.objects.filter(codename="TAPESTRY-4"), "created_by__email") == {
        "staff-team2@parley.test"
    }
    assert values_of(Assignment.objects.filter(facilitator__user=facilitator), "workshop__initiative__codename") == {
        "MERIDIAN",
        "MERIDIAN-2",
    }
    assert values_of(
        Assignment.objects.filter(facilitator__user__email="facilitator-team2@parley.test"),
        "workshop__initiative__codename",
    ) == {"MERIDIAN-3", "MERIDIAN-4"}
    assert values_of(observer.observed_initiatives.all()) == {"MERIDIAN", "TAPESTRY", "MERIDIAN-2", "TAPESTRY-2"}
    # The participant account is invited by the demo's team only; the admin is the installation's.
    invited = Invitation.objects.filter(participant__user__email="participant@parley.test")
    assert values_of(invited, "workshop__initiative__codename") == {"MERIDIAN", "TAPESTRY", "MERIDIAN-2", "TAPESTRY-2"}
    assert not User.objects.filter(email__in=["admin-team2@parley.test", "participant-team2@parley.test"]).exists()
    # Twice the data: the demo's team sees the same confidential records as before (what staff see of the
    # organisation's INTERNAL work grows with it, as the rule says), and its facilitator the same workshops.
    assert {email: confidential_records_seen_by(user(email)) for email in TEAM_SIGN_INS} == seen_before
    assert values_of(Workshop.objects.visible_to(facilitator), "pk") == assigned_before
    # Only the demo's own sign-ins are printed.
    assert "lead@parley.test" in output.getvalue()
    assert "team2" not in output.getvalue()

    before = snapshot()
    call_command("seed_demo", scale=4, portfolio=2, stdout=StringIO())
    assert snapshot() == before


def test_a_portfolio_below_one_copy_is_refused():
    with pytest.raises(CommandError):
        call_command("seed_demo", portfolio=0, stdout=StringIO())


# Structure -----------------------------------------------------------------------------------------


def test_three_initiatives_at_their_levels(demo):
    assert dict(Initiative.objects.values_list("codename", "level")) == {
        "MERIDIAN": Level.CONFIDENTIAL,
        "KESTREL": Level.STRICTLY_CONFIDENTIAL,
        "TAPESTRY": Level.INTERNAL,
    }


def test_the_regional_dialogue_has_four_parties_and_about_forty_participants(demo):
    regional = Initiative.objects.get(codename="MERIDIAN")
    invited = Participant.objects.filter(invitations__workshop__initiative=regional).distinct()

    assert regional.parties.count() == 4
    assert 38 <= invited.count() <= 42
    assert {w.city for w in regional.workshops.all()} >= {"Geneva", "Oslo", "Vienna", "Muscat"}


def test_the_backchannel_has_exactly_two_high_risk_participants_with_codenames(demo):
    backchannel = Initiative.objects.get(codename="KESTREL")
    invited = Participant.objects.filter(invitations__workshop__initiative=backchannel).distinct()
    high_risk = invited.filter(risk_level=Participant.RiskLevel.HIGH)

    assert backchannel.parties.count() == 2
    assert invited.count() == 6
    assert high_risk.count() == 2
    assert all(p.codename and p.level == Level.STRICTLY_CONFIDENTIAL for p in high_risk)


def test_one_user_per_role_with_a_verified_address_and_the_demo_password(demo):
    users = list(User.objects.all())

    assert len(users) == 6
    assert {u.role for u in users} == set(Role.values)
    assert all(u.check_password(DEMO_PASSWORD) for u in users)
    for u in users:
        assert EmailAddress.objects.filter(user=u, email=u.email, verified=True, primary=True).exists()
    assert user("admin@parley.test").is_staff
    assert (user("lead@parley.test").role, user("lead@parley.test").clearance) == (
        Role.STAFF,
        Level.STRICTLY_CONFIDENTIAL,
    )


def test_everyone_who_must_use_mfa_has_a_working_totp_authenticator_whose_secret_is_printed(demo):
    must = [u for u in User.objects.all() if u.must_use_mfa]
    assert {u.email for u in must} == {"admin@parley.test", "lead@parley.test"}
    for u in must:
        authenticator = Authenticator.objects.get(user=u, type=Authenticator.Type.TOTP)
        secret = authenticator.data["secret"]
        counters = list(yield_hotp_counters_from_time())
        code = format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))
        assert TOTP(authenticator).validate_code(code)
        assert secret in demo
        assert "otpauth://totp/" in demo


def test_every_demo_totp_secret_has_at_least_160_bits():
    secrets = [spec.totp_secret for spec in USERS if spec.totp_secret]
    assert len(secrets) == 2
    for secret in secrets:
        assert len(base64.b32decode(secret)) >= 20, secret  # RFC 4226; libraries refuse < 112 bits


def test_the_demo_admin_is_a_plain_admin_not_a_superuser(demo):
    admin = user("admin@parley.test")
    assert (admin.role, admin.is_staff, admin.is_superuser) == (Role.ADMIN, True, False)
    assert not User.objects.filter(is_superuser=True).exists()


def test_seeding_over_an_older_demo_drops_its_superuser_flag_and_short_totp_secrets(demo):
    admin = user("admin@parley.test")
    User.objects.filter(pk=admin.pk).update(is_superuser=True)
    Authenticator.objects.filter(user=admin).update(data={"secret": "PARLEYDEMOADMIN2"})

    output = seed()

    admin.refresh_from_db()
    assert not admin.is_superuser
    secret = Authenticator.objects.get(user=admin, type=Authenticator.Type.TOTP).data["secret"]
    assert len(base64.b32decode(secret)) >= 20
    assert secret in output


def test_the_printout_lists_every_login(demo):
    for email in ("admin", "staff", "lead", "facilitator", "participant", "observer"):
        assert f"{email}@parley.test" in demo
    assert DEMO_PASSWORD in demo


def test_invitations_cover_every_status_and_match_the_workshops_dates(demo):
    assert set(Invitation.objects.values_list("status", flat=True)) == set(Invitation.Status.values)
    now = timezone.now()
    for invitation in Invitation.objects.select_related("workshop"):
        held = invitation.status in (Invitation.Status.ATTENDED, Invitation.Status.NO_SHOW)
        assert held == (invitation.workshop.ends_at < now)


def test_workshops_lie_in_the_past_and_in_the_future_with_sessions_inside_them(demo):
    now = timezone.now()
    held = Workshop.objects.filter(status=Workshop.Status.HELD)
    assert held.exists() and all(w.ends_at < now for w in held)
    assert Workshop.objects.filter(starts_at__gt=now).exists()
    for workshop in Workshop.objects.prefetch_related("sessions"):
        assert workshop.sessions.all()
        assert all(workshop.starts_at <= s.starts_at < s.ends_at <= workshop.ends_at for s in workshop.sessions.all())


def test_regional_workshops_start_at_nine_in_the_venue_time_zone(demo):
    for workshop in Workshop.objects.filter(initiative__codename="MERIDIAN").exclude(kind=Workshop.Kind.VIRTUAL):
        assert workshop.local_starts_at.hour == 9


def test_the_participant_account_has_accepted_a_confidential_regional_workshop_and_a_civil_society_one(demo):
    account = user("participant@parley.test")
    accepted = Invitation.objects.filter(participant__user=account, status=Invitation.Status.ACCEPTED)

    assert accepted.filter(workshop__initiative__codename="MERIDIAN", workshop__level=Level.CONFIDENTIAL).exists()
    assert accepted.filter(workshop__initiative__codename="TAPESTRY").exists()


def test_the_facilitator_is_assigned_to_two_regional_workshops(demo):
    assignments = Assignment.objects.filter(facilitator__user__email="facilitator@parley.test")
    assert assignments.count() == 2
    assert all(a.workshop.initiative.codename == "MERIDIAN" for a in assignments)


def test_the_observer_follows_the_initiatives_within_its_clearance(demo):
    observer = user("observer@parley.test")
    # Attached to the CONFIDENTIAL regional dialogue too, but cleared INTERNAL: it sees the civil-society one.
    assert set(observer.observed_initiatives.values_list("codename", flat=True)) == {"MERIDIAN", "TAPESTRY"}
    observed = Initiative.objects.observed_by(observer)
    assert set(observed.values_list("codename", flat=True)) == {"TAPESTRY"}


def test_organisations_vetting_and_sanctions_cover_their_cases(demo):
    assert set(Organization.objects.values_list("kind", flat=True)) == set(Organization.Kind.values)
    assert set(VettingCase.objects.values_list("status", flat=True)) == set(VettingCase.Status.values)
    assert SanctionsHit.objects.filter(status=SanctionsHit.Status.OPEN).count() == 1


def test_only_vetted_people_are_invited_to_confidential_workshops(demo):
    invitations = (
        Invitation.objects.filter(workshop__level__gte=Level.CONFIDENTIAL)
        .exclude(status=Invitation.Status.DRAFT)
        .select_related("participant")
    )
    for invitation in invitations:
        assert any(case.is_current_approval for case in invitation.participant.vetting_cases.all())


def test_documents_have_a_stored_pdf_and_a_held_workshop_has_reports_and_a_briefing(demo):
    assert Document.objects.count() == DocumentVersion.objects.count() > 0
    for version in DocumentVersion.objects.all():
        with version.file.open("rb") as stored:
            assert stored.read(5) == b"%PDF-"
    assert set(OutcomeReport.objects.values_list("status", flat=True)) == set(OutcomeReport.Status.values)
    briefing = TrackOneBriefing.objects.get()
    assert briefing.report.workshop.status == Workshop.Status.HELD
    assert briefing.report.action_items.exists()


def test_one_demo_action_item_is_owned_by_a_participant_who_attended(demo):
    [item] = ActionItem.objects.filter(owner_participant__isnull=False)
    assert item.owner is None and item.status == ActionItem.Status.OPEN
    assert Invitation.objects.filter(
        workshop=item.report.workshop, participant=item.owner_participant, status=Invitation.Status.ATTENDED
    ).exists()


# Visibility ----------------------------------------------------------------------------------------


def test_the_strictly_confidential_backchannel_is_visible_only_to_its_lead(demo):
    backchannel = Initiative.objects.get(codename="KESTREL")
    for u in User.objects.all():
        sees = Initiative.objects.visible_to(u).filter(pk=backchannel.pk).exists()
        assert sees == (u.email == "lead@parley.test"), u.email


def test_the_backchannel_participants_are_hidden_from_staff_and_facilitators(demo):
    secret = Participant.objects.filter(invitations__workshop__initiative__codename="KESTREL")
    for email in ("staff@parley.test", "facilitator@parley.test", "observer@parley.test"):
        assert not Participant.objects.visible_to(user(email)).filter(pk__in=secret).exists()


def test_the_printed_credentials_sign_the_lead_in_with_password_and_totp(demo, client, settings):
    settings.LOGIN_REDIRECT_URL = "/"  # where sign-in lands is not what this test is about
    response = client.post(reverse("account_login"), {"login": "lead@parley.test", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")

    counters = list(yield_hotp_counters_from_time())
    secret = next(spec.totp_secret for spec in USERS if spec.email == LEAD)
    code = format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))
    client.post(reverse("mfa_authenticate"), {"code": code})

    assert client.session.get("_auth_user_id") == str(user("lead@parley.test").pk)


# Larger copies -------------------------------------------------------------------------------------


def test_more_participants_per_copy_join_the_delegations_and_are_invited_twice_each(demo):
    before = set(Participant.objects.values_list("pk", flat=True))
    invitations = Invitation.objects.count()

    out = StringIO()
    call_command("seed_demo", scale=1, participants_per_copy=96, stdout=out)

    circle = Participant.objects.exclude(pk__in=before)
    assert circle.count() == 96 - demo_seed_module.STORY_PARTICIPANTS
    assert Invitation.objects.count() == invitations + 2 * circle.count()
    initiatives = Initiative.objects.filter(workshops__invitations__participant__in=circle).distinct()
    assert set(initiatives.values_list("codename", flat=True)) == {"MERIDIAN", "TAPESTRY"}
    for participant in circle:
        assert participant.invitations.count() == 2


def test_the_wider_circle_keeps_the_rules_of_the_story(demo):
    call_command("seed_demo", scale=1, participants_per_copy=110, stdout=StringIO())

    test_only_vetted_people_are_invited_to_confidential_workshops(demo)
    test_invitations_cover_every_status_and_match_the_workshops_dates(demo)
    test_the_backchannel_has_exactly_two_high_risk_participants_with_codenames(demo)


def test_seeding_with_more_participants_per_copy_is_idempotent(demo):
    call_command("seed_demo", scale=1, participants_per_copy=100, stdout=StringIO())
    grown = snapshot()

    call_command("seed_demo", scale=1, participants_per_copy=100, stdout=StringIO())

    assert snapshot() == grown


def test_fewer_participants_per_copy_than_the_story_needs_are_refused():
    with pytest.raises(CommandError):
        call_command("seed_demo", participants_per_copy=10, stdout=StringIO())
