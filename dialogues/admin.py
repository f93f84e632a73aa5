from django import forms
from django.contrib import admin
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin, ScopedAdminMixin, country_column, form_values
from participants.admin import ParticipantChoiceMixin
from participants.models import Participant

from . import selectors, services
from .forms import InitiativeRefusalNamed, PartyRowsFormSet, TeamMembershipRowsFormSet
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

# Identity documents of an invitee: shown only with the invitee's identity.
PASSPORT_FIELDS = ("passport_number", "passport_expires_on")


def shown_initiative(record):
    """A record's initiative as on the site's pages: its title where the user may see it, else its codename.

    ``record`` is annotated with ``initiative_visible`` (``selectors.initiative_visible_flag``): a workshop,
    or a document, may be visible to its facilitator when its initiative is not.
    """
    if record.initiative is None:
        return "—"
    return str(record.initiative) if record.initiative_visible else record.initiative.codename


class RowOfListAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A row of an initiative's or a workshop's list (a party, a funding, a session) on a page of its own:
    its services write it as a row of that list, so that the list's rules hold. A row stays with the
    record it belongs to."""

    parent_field = "initiative"

    def get_readonly_fields(self, request, obj=None):
        return (self.parent_field,) if obj is not None else ()


class InitiativeAdminForm(InitiativeRefusalNamed, forms.ModelForm):
    class Meta:
        model = Initiative
        fields = ("title", "codename", "conflict", "track", "phase", "objectives", "level", "observers")


# The rows of an initiative's and a workshop's lists: saved with the record, by its service.


class TeamMembershipInline(ScopedAdminMixin, admin.TabularInline):
    model = TeamMembership
    formset = TeamMembershipRowsFormSet  # says "once per team" as the site does
    rows_argument = "team"
    extra = 0


class PartyInline(ScopedAdminMixin, admin.TabularInline):
    model = Party
    formset = PartyRowsFormSet  # says "its own name" as the site does
    rows_argument = "parties"
    extra = 0


class FundingInline(ScopedAdminMixin, admin.TabularInline):
    model = Funding
    rows_argument = "fundings"
    extra = 0


@admin.register(Initiative)
class InitiativeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = InitiativeAdminForm
    list_display = ("title", "codename", "track", "phase", "level")
    list_filter = ("phase", "track", "level")
    search_fields = ("title", "codename", "conflict")
    filter_horizontal = ("observers",)
    inlines = (TeamMembershipInline, PartyInline, FundingInline)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class each time
        form.user = request.user  # who is told why a level is refused (InitiativeRefusalNamed)
        return form

    def create_record(self, request, form, **rows):
        # As on the site, the creator joins the team as lead; the rows given here join too.
        initiative = services.initiative_create(created_by=request.user, **form_values(form))
        creator = [{"id": lead.pk, "user": lead.user, "role": lead.role} for lead in initiative.team_memberships.all()]
        rows["team"] = creator + rows.get("team", [])
        return services.initiative_update(initiative=initiative, by=request.user, **rows)

    def update_record(self, request, obj, form, **rows):
        services.initiative_update(initiative=obj, by=request.user, **rows, **form_values(form))

    def delete_record(self, request, obj):
        services.initiative_delete(initiative=obj, by=request.user)


@admin.register(TeamMembership)
class TeamMembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "initiative", "role", "joined_at")
    list_filter = ("role", "initiative")
    list_select_related = ("user", "initiative")
    search_fields = ("user__email", "user__full_name", "initiative__title")

    def create_record(self, request, form):
        return services.team_membership_add(by=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        services.team_membership_change(membership=obj, by=request.user, **form_values(form))

    def delete_record(self, request, obj):
        services.team_membership_remove(membership=obj, by=request.user)


@admin.register(Party)
class PartyAdmin(RowOfListAdmin):
    list_display = ("name", "initiative")
    list_filter = ("initiative",)
    list_select_related = ("initiative",)
    search_fields = ("name",)

    def create_record(self, request, form):
        return services.party_create(by=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        services.party_update(party=obj, by=request.user, **form_values(form))

    def delete_record(self, request, obj):
        services.party_delete(party=obj, by=request.user)


@admin.register(Funding)
class FundingAdmin(RowOfListAdmin):
    list_display = ("donor", "initiative", "amount", "currency", "starts_on", "ends_on")
    list_filter = ("initiative",)
    list_select_related = ("initiative",)
    search_fields = ("donor",)

    def create_record(self, request, form):
        return services.funding_create(by=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        services.funding_update(funding=obj, by=request.user, **form_values(form))

    def delete_record(self, request, obj):
        services.funding_delete(funding=obj, by=request.user)


class AgendaSessionInline(ScopedAdminMixin, admin.TabularInline):
    model = AgendaSession
    rows_argument = "sessions"
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "initiative_shown",
        "kind",
        "city",
        country_column("country", _("country")),
        "starts_at",
        "status",
        "level",
    )
    list_filter = ("status", "kind", "level", "initiative")
    list_select_related = ("initiative",)
    search_fields = ("title", "city")
    date_hierarchy = "starts_at"
    inlines = (AgendaSessionInline,)

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(initiative_visible=selectors.initiative_visible_flag(request.user))
        )

    @admin.display(description=_("initiative"), ordering="initiative__codename")
    def initiative_shown(self, workshop):
        return shown_initiative(workshop)

    def create_record(self, request, form, **rows):
        return services.workshop_create(by=request.user, **rows, **form_values(form))

    def update_record(self, request, obj, form, **rows):
        services.workshop_update(workshop=obj, by=request.user, **rows, **form_values(form))

    def delete_record(self, request, obj):
        services.workshop_delete(workshop=obj, by=request.user)


@admin.register(AgendaSession)
class AgendaSessionAdmin(RowOfListAdmin):
    parent_field = "workshop"
    list_display = ("title", "workshop", "starts_at", "ends_at")
    list_filter = ("workshop",)
    list_select_related = ("workshop",)
    search_fields = ("title",)

    def create_record(self, request, form):
        return services.agenda_session_create(by=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        services.agenda_session_update(session=obj, by=request.user, **form_values(form))

    def delete_record(self, request, obj):
        services.agenda_session_delete(session=obj, by=request.user)


class InvitationReminderInline(ReadOnlyAdminMixin, ScopedAdminMixin, admin.TabularInline):
    """The record of reminders sent: written when one goes out (``services.invitation_reminders_record``)."""

    model = InvitationReminder
    visible_through = "invitation"
    fields = ("kind", "sent_at")
    readonly_fields = fields
    extra = 0


@admin.register(Invitation)
class InvitationAdmin(ParticipantChoiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    """An invitation may be visible where its invitee is not (a record above the admin's clearance):
    the invitee is then left out, and passport details are shown only with the invitee's identity."""

    list_display = ("__str__", "workshop", "invitee", "party", "status", "responded_at")
    list_filter = ("status", "workshop")
    list_select_related = ("workshop", "party")
    search_fields = ("workshop__title",)  # and the invitee's codename where visible: get_search_results
    inlines = (InvitationReminderInline,)

    def get_queryset(self, request):
        people = Participant.objects.visible_to(request.user).with_identity_for(request.user)
        return super().get_queryset(request).prefetch_related(Prefetch("participant", queryset=people))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        people = Participant.objects.visible_to(request.user).filter(codename__icontains=term)
        return queryset.filter(Q(workshop__title__icontains=term) | Q(participant__in=people)), False

    @staticmethod
    def shown_invitee(invitation):
        """The invitee as prefetched by ``get_queryset``: ``None`` where the admin may not see the record."""
        try:
            return invitation.participant
        except Participant.DoesNotExist:
            return None

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or ())
        if obj is not None:
            invitee = self.shown_invitee(obj)
            if invitee is None or not invitee.identity_visible:
                excluded.extend(PASSPORT_FIELDS)
        return excluded

    @admin.display(description=_("participant"))
    def invitee(self, invitation):
        invitee = self.shown_invitee(invitation)
        return _("Restricted participant") if invitee is None else invitee.display_name

    def create_record(self, request, form):
        return services.invitation_create(by=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        services.invitation_update(invitation=obj, by=request.user, **form_values(form))

    def delete_record(self, request, obj):
        services.invitation_delete(invitation=obj, by=request.user)


@admin.register(InvitationReminder)
class InvitationReminderAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The record of reminders sent: written when one goes out (``services.invitation_reminders_record``)."""

    visible_through = "invitation"
    list_display = ("__str__", "invitation", "kind", "sent_at")
    list_filter = ("kind",)


class DocumentVersionWrites:
    """A version is added with its file (numbered and signed by the service), or removed; never rewritten."""

    def create_record(self, request, form):
        values = form_values(form)
        return services.document_version_add(document=values["document"], file=values["file"], by=request.user)

    def delete_record(self, request, obj):
        services.document_version_delete(version=obj, by=request.user)


class DocumentVersionInline(DocumentVersionWrites, ScopedAdminMixin, admin.TabularInline):
    model = DocumentVersion
    fields = ("number", "file", "uploaded_by", "uploaded_at")
    readonly_fields = ("number", "uploaded_by", "uploaded_at")
    extra = 0


@admin.register(Document)
class DocumentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "initiative_shown", "workshop", "audience", "level")
    list_filter = ("kind", "audience", "level")
    list_select_related = ("initiative", "workshop")
    search_fields = ("title",)
    inlines = (DocumentVersionInline,)

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(initiative_visible=selectors.initiative_visible_flag(request.user))
        )

    @admin.display(description=_("initiative"), ordering="initiative__codename")
    def initiative_shown(self, document):
        return shown_initiative(document)

    def create_record(self, request, form):
        return services.document_create(by=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        services.document_update(document=obj, by=request.user, **form_values(form))

    def delete_record(self, request, obj):
        services.document_delete(document=obj, by=request.user)


@admin.register(DocumentVersion)
class DocumentVersionAdmin(DocumentVersionWrites, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "document", "number", "uploaded_by", "uploaded_at")
    list_select_related = ("document", "uploaded_by")
    fields = ("document", "number", "file", "uploaded_by", "uploaded_at")
    readonly_fields = ("number", "uploaded_by", "uploaded_at")
