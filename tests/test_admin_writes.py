"""Every write of the Django admin goes through a service: its add, change and delete pages, its inline rows
and its actions. An admin declares its services (``create_record``, ``update_record``, ``delete_record``,
or ``rows_argument`` for an inline whose rows its record's service saves) and offers no write it has no
service for; a service's refusal is said on the page, with nothing written."""

import inspect

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

import dialogues.services
import facilitators.services
import participants.admin
from core.admin import ScopedAdminMixin
from core.levels import Level, Role
from dialogues.models import Document, Invitation, InvitationReminder, Party
from facilitators.models import Assignment, OutcomeReport
from participants.models import ConsentRecord, Participant

from . import factories as f
from .test_admin import admin_url
from .test_rules_every_path import admin_page_data, admin_post

pytestmark = pytest.mark.django_db

WRITES = {"add": "create_record", "change": "update_record", "delete": "delete_record"}
# The admin's hooks that write; each is ScopedAdminMixin's, which calls the declared services.
WRITING_HOOKS = ("save_model", "save_related", "save_formset", "delete_model", "delete_queryset")
# Actions besides "delete selected" (which calls delete_queryset), each read to call a service.
ACTIONS_THROUGH_SERVICES = {"send_set_password_invitation"}  # accounts.services.user_send_invitation
# Django's own group admin: open to a superuser only (by Django's permissions), and a group holds no Parley
# record: roles, not groups or permissions, decide what anyone may do in Parley.
NOT_PARLEYS = {Group}

# What the record's services take before the rows: (request,) form; or obj, form.
ROW_TAKING_METHODS = {"create_record": (None,), "update_record": (None, None)}

REFUSAL = "Refused by the service for this test."


@pytest.fixture(params=["admin", "superuser"])
def operator(request, make_user):
    """An admin of Parley, with Django's ``is_superuser`` too in the second run: the most anyone gets."""
    return make_user(Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, is_staff=True, is_superuser=request.param == "superuser")


def request_by(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def offered(admin_or_inline, write, request):
    permission = getattr(admin_or_inline, f"has_{write}_permission")
    return permission(request, None)


def accepts_rows(method, rows, *leading):
    try:
        inspect.signature(method).bind(*leading, **dict.fromkeys(rows, []))
    except TypeError:
        return False
    return True


# --- every admin and inline: no write without a service ------------------------------------------


def test_every_write_the_admin_offers_has_a_service(operator):
    request = request_by(operator)
    for model, model_admin in admin.site._registry.items():
        if model in NOT_PARLEYS:
            continue
        label = type(model_admin).__name__
        assert isinstance(model_admin, ScopedAdminMixin), label
        for write, service in WRITES.items():
            if offered(model_admin, write, request):
                assert getattr(model_admin, service) is not None, f"{label} offers to {write} without a service"
        for hook in WRITING_HOOKS:
            assert getattr(type(model_admin), hook) is getattr(ScopedAdminMixin, hook), (
                f"{label}.{hook} is its own: declare the services instead (create_record, update_record, delete_record)"
            )
        for action in model_admin.get_actions(request):
            assert action == "delete_selected" or action in ACTIONS_THROUGH_SERVICES, f"{label}: action {action}"

        rows = [inline.rows_argument for inline in model_admin.inlines if inline.rows_argument is not None]
        for inline_class in model_admin.inlines:
            inline = inline_class(model, admin.site)
            for write, service in WRITES.items():
                if not offered(inline, write, request):
                    continue
                if inline.rows_argument is None:
                    assert getattr(inline, service) is not None, f"{inline_class.__name__} offers to {write} rows"
                else:  # saved with the record, by its service, which takes them
                    assert model_admin.saves_rows_with_record
                    for method, leading in ROW_TAKING_METHODS.items():
                        declared = getattr(model_admin, method)
                        assert declared is None or accepts_rows(declared, rows, request, *leading), f"{label}.{method}"


def test_an_admin_that_declares_no_service_offers_no_write(admin_user):
    class Undeclared(ScopedAdminMixin, admin.ModelAdmin):
        pass

    request = request_by(admin_user)
    undeclared = Undeclared(Party, admin.site)
    assert undeclared.has_view_permission(request)
    assert not any(offered(undeclared, write, request) for write in WRITES)


@pytest.mark.parametrize(
    ("model", "view"),
    [(InvitationReminder, "add"), (ConsentRecord, "delete"), (OutcomeReport, "delete")],
    ids=["reminder-add", "consent-delete", "report-delete"],
)
def test_a_write_without_a_service_is_refused(client, admin_user, model, view):
    records = {
        InvitationReminder: lambda: None,
        ConsentRecord: lambda: f.ConsentRecordFactory(),
        OutcomeReport: lambda: f.OutcomeReportFactory(workshop=f.WorkshopFactory(initiative=internal())),
    }
    record = records[model]()
    client.force_login(admin_user)
    url = admin_url(model, view) if record is None else admin_url(model, view, record.pk)
    before = model.objects.count()
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert model.objects.count() == before


def test_a_report_is_shown_but_not_changed_in_the_admin(client, admin_user):
    report = f.OutcomeReportFactory(workshop=f.WorkshopFactory(initiative=internal()), summary="As agreed.")
    client.force_login(admin_user)
    page = client.get(admin_url(OutcomeReport, "change", report.pk))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert client.post(admin_url(OutcomeReport, "change", report.pk), {"summary": "Rewritten"}).status_code == 403


# --- representative writes: the service is called, and its refusal is said with nothing written ----


@pytest.fixture
def counted(monkeypatch):
    """``counted(module, name)``: the service ``name`` of ``module`` (where the admin looks it up) replaced
    by a wrapper that lists its calls; with ``refuse=True`` it refuses once it has run, as a rule checked
    at the end of a service would."""

    def count(module, name, refuse=False):
        calls = []
        service = getattr(module, name)

        def wrapper(**kwargs):
            calls.append(kwargs)
            done = service(**kwargs)
            if refuse:
                raise ValidationError(REFUSAL)
            return done

        monkeypatch.setattr(module, name, wrapper)
        return calls

    return count


def internal():
    return f.InitiativeFactory(level=Level.INTERNAL)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def invitation_data(client, workshop, participant, party):
    data = admin_page_data(client.get(admin_url(Invitation, "add")))
    data.update(workshop=workshop.pk, participant=participant.pk, party=party.pk)
    return data


@pytest.fixture
def invitable(admin_user):
    workshop = f.WorkshopFactory(initiative=internal())
    return workshop, f.ParticipantFactory(), f.PartyFactory(initiative=workshop.initiative)


def test_adding_an_invitation_calls_invitation_create(client, admin_user, counted, invitable):
    calls = counted(dialogues.services, "invitation_create")
    client.force_login(admin_user)
    response = client.post(admin_url(Invitation, "add"), invitation_data(client, *invitable))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert len(calls) == 1
    invitation = Invitation.objects.get()
    assert (invitation.workshop, invitation.participant, invitation.party) == invitable
    assert response.url == admin_url(Invitation, "changelist")
    assert LogEntry.objects.get().object_id == str(invitation.pk)


def test_a_refused_invitation_is_said_and_nothing_is_written(client, admin_user, counted, invitable):
    calls = counted(dialogues.services, "invitation_create", refuse=True)
    client.force_login(admin_user)
    response = client.post(admin_url(Invitation, "add"), invitation_data(client, *invitable), follow=True)
    assert len(calls) == 1
    assert REFUSAL in messages_of(response)
    assert not Invitation.objects.exists()
    assert not LogEntry.objects.exists()


def assignment_data(workshop, facilitator):
    return {"workshop": workshop.pk, "facilitator": facilitator.pk, "role": Assignment.Role.CO}


def test_adding_an_assignment_calls_assignment_create(client, admin_user, counted):
    workshop, facilitator = f.WorkshopFactory(initiative=internal()), f.FacilitatorFactory()
    calls = counted(facilitators.services, "assignment_create")
    client.force_login(admin_user)
    response = client.post(admin_url(Assignment, "add"), assignment_data(workshop, facilitator))
    assert response.status_code == 302
    assert len(calls) == 1
    assert Assignment.objects.get().role == Assignment.Role.CO


def test_a_refused_assignment_is_said_and_nothing_is_written(client, admin_user, counted):
    workshop, facilitator = f.WorkshopFactory(initiative=internal()), f.FacilitatorFactory()
    counted(facilitators.services, "assignment_create", refuse=True)
    client.force_login(admin_user)
    response = client.post(admin_url(Assignment, "add"), assignment_data(workshop, facilitator), follow=True)
    assert REFUSAL in messages_of(response)
    assert not Assignment.objects.exists()


def test_changing_a_party_on_its_own_page_calls_party_update(client, admin_user, counted):
    party = f.PartyFactory(initiative=internal(), name="North")
    calls = counted(dialogues.services, "party_update")
    client.force_login(admin_user)
    response = admin_post(client, admin_url(Party, "change", party.pk), name="Northern delegation")
    assert response.status_code == 302
    assert len(calls) == 1
    party.refresh_from_db()
    assert party.name == "Northern delegation"


def test_a_party_renamed_to_another_partys_name_is_refused_by_the_service(client, admin_user):
    """The form cannot see the clash (the initiative is not on the change page): the service can."""
    party = f.PartyFactory(initiative=internal(), name="North")
    f.PartyFactory(initiative=party.initiative, name="South")
    client.force_login(admin_user)
    response = admin_post(client, admin_url(Party, "change", party.pk), follow=True, name="South")
    assert str(Party.OWN_NAME) in messages_of(response)
    party.refresh_from_db()
    assert party.name == "North"


def test_a_refused_party_change_is_said_and_nothing_is_written(client, admin_user, counted):
    party = f.PartyFactory(initiative=internal(), name="North")
    counted(dialogues.services, "party_update", refuse=True)
    client.force_login(admin_user)
    response = admin_post(client, admin_url(Party, "change", party.pk), follow=True, name="Northern delegation")
    assert REFUSAL in messages_of(response)
    party.refresh_from_db()
    assert party.name == "North"
    assert not LogEntry.objects.exists()


def test_a_party_with_invitations_is_not_removed_from_its_own_page(client, admin_user):
    invitation = f.InvitationFactory(workshop=f.WorkshopFactory(initiative=internal()))
    client.force_login(admin_user)
    client.post(admin_url(Party, "delete", invitation.party.pk), {"post": "yes"})
    assert Party.objects.filter(pk=invitation.party.pk).exists()


def test_deleting_a_document_calls_document_delete(client, admin_user, counted):
    document = f.DocumentFactory(workshop=f.WorkshopFactory(initiative=internal()), level=Level.INTERNAL)
    f.DocumentVersionFactory(document=document)
    calls = counted(dialogues.services, "document_delete")
    client.force_login(admin_user)
    response = client.post(admin_url(Document, "delete", document.pk), {"post": "yes"})
    assert response.status_code == 302
    assert len(calls) == 1
    assert not Document.objects.exists()


def test_a_refused_document_deletion_is_said_and_nothing_is_deleted(client, admin_user, counted):
    document = f.DocumentFactory(workshop=f.WorkshopFactory(initiative=internal()), level=Level.INTERNAL)
    counted(dialogues.services, "document_delete", refuse=True)
    client.force_login(admin_user)
    response = client.post(admin_url(Document, "delete", document.pk), {"post": "yes"}, follow=True)
    assert REFUSAL in messages_of(response)
    assert Document.objects.filter(pk=document.pk).exists()
    assert not LogEntry.objects.exists()


def test_deleting_chosen_documents_is_undone_for_all_when_the_service_refuses_one(client, admin_user, monkeypatch):
    workshop = f.WorkshopFactory(initiative=internal())
    documents = f.DocumentFactory.create_batch(2, workshop=workshop, level=Level.INTERNAL)
    delete = dialogues.services.document_delete
    calls = []

    def second_refused(**kwargs):
        calls.append(kwargs)
        delete(**kwargs)
        if len(calls) == 2:
            raise ValidationError(REFUSAL)

    monkeypatch.setattr(dialogues.services, "document_delete", second_refused)
    client.force_login(admin_user)
    chosen = {"action": "delete_selected", "_selected_action": [document.pk for document in documents], "post": "yes"}
    response = client.post(admin_url(Document, "changelist"), chosen, follow=True)
    assert len(calls) == 2
    assert REFUSAL in messages_of(response)
    assert Document.objects.count() == 2


def test_a_consent_added_on_the_participants_page_is_recorded_by_the_service(client, admin_user, counted):
    participant = f.ParticipantFactory()
    calls = counted(participants.admin, "consent_record_create")
    client.force_login(admin_user)
    url = admin_url(Participant, "change", participant.pk)
    data = admin_page_data(client.get(url))
    data.update(
        {
            "consents-TOTAL_FORMS": 1,
            "consents-0-kind": ConsentRecord.Kind.PHOTOGRAPHY,
            "consents-0-given_at_0": "2026-03-01",
            "consents-0-given_at_1": "10:00:00",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"]
    assert len(calls) == 1
    consent = ConsentRecord.objects.get(participant=participant)
    assert (consent.kind, consent.recorded_by) == (ConsentRecord.Kind.PHOTOGRAPHY, admin_user)
    assert "Added consent record" in LogEntry.objects.get(object_id=str(participant.pk)).get_change_message()


def test_a_documents_versions_are_not_renumbered_through_its_admin_page(client, admin_user):
    """A version is added (numbered by ``document_version_add``) or removed, never rewritten: numbers
    posted for the stored versions change nothing, while the document itself is saved."""
    document = f.DocumentFactory(workshop=f.WorkshopFactory(initiative=internal()), level=Level.INTERNAL)
    first = f.DocumentVersionFactory(document=document, number=1)
    second = f.DocumentVersionFactory(document=document, number=2)
    client.force_login(admin_user)
    url = admin_url(Document, "change", document.pk)
    renumbered = {"versions-0-number": 2, "versions-1-number": 1}
    response = admin_post(client, url, title="Renamed paper", **renumbered)
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "Renamed paper"
    assert sorted(document.versions.values_list("pk", "number")) == [(first.pk, 1), (second.pk, 2)]


def test_a_version_added_on_the_documents_page_is_numbered_by_the_service(client, admin_user, counted):
    document = f.DocumentFactory(workshop=f.WorkshopFactory(initiative=internal()), level=Level.INTERNAL)
    f.DocumentVersionFactory(document=document, number=1)
    calls = counted(dialogues.services, "document_version_add")
    client.force_login(admin_user)
    url = admin_url(Document, "change", document.pk)
    data = admin_page_data(client.get(url))
    data.update({"versions-TOTAL_FORMS": 2, "versions-1-file": SimpleUploadedFile("annex.pdf", b"%PDF-1.4 annex")})
    response = client.post(url, data)
    assert response.status_code == 302
    assert len(calls) == 1
    added = document.versions.get(number=2)
    assert added.uploaded_by == admin_user
