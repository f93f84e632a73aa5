from django import forms
from django.contrib import admin
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedAdminMixin
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


def take_over(obj, created):
    """Make the admin's unsaved ``obj`` the record a service created: the admin goes on with ``obj`` (its
    history entry and the redirect after saving name it by its pk)."""
    obj.pk = created.pk
    obj.refresh_from_db()
    obj._state.adding = False


# What the services call the rows of an admin's inlines.
ROWS_ARGUMENT = {TeamMembership: "team", Party: "parties", Funding: "fundings", AgendaSession: "sessions"}


def noted_for_history(formset):
    """Note on ``formset`` what its ``save()`` would have: the rows it added, changed and removed (the
    admin's history entry reads them). The service saved the rows instead."""
    deleted = formset.deleted_forms
    formset.new_objects = [form.instance for form in formset.extra_forms if form.has_changed() and form not in deleted]
    formset.changed_objects = [
        (form.instance, form.changed_data)
        for form in formset.initial_forms
        if form.has_changed() and form not in deleted
    ]
    formset.deleted_objects = [form.instance for form in formset.initial_forms if form in deleted]


class SavedWithRowsAdmin:
    """For a record saved together with its inline rows by one call of a service, once the form and every
    formset are valid: in ``save_related``; ``save_model`` saves nothing.

    ``save_through_service(request, form, rows, change)`` makes the call (``rows``: each inline's
    ``cleaned_rows()``, by the service's name for them) and returns the record saved. A refusal of the
    service undoes the whole save, and the admin shows it (``ScopedAdminMixin.changeform_view``).
    """

    def save_model(self, request, obj, form, change):
        pass  # with its rows, in save_related

    def save_related(self, request, form, formsets, change):
        rows = {ROWS_ARGUMENT[formset.model]: formset.cleaned_rows() for formset in formsets}
        saved = self.save_through_service(request, form, rows, change)
        if not change:
            take_over(form.instance, saved)
        for formset in formsets:
            noted_for_history(formset)

    def save_through_service(self, request, form, rows, change):
        raise NotImplementedError


class InitiativeAdminForm(InitiativeRefusalNamed, forms.ModelForm):
    class Meta:
        model = Initiative
        fields = ("title", "codename", "conflict", "track", "phase", "objectives", "level", "observers")


class TeamMembershipInline(ScopedAdminMixin, admin.TabularInline):
    model = TeamMembership
    formset = TeamMembershipRowsFormSet  # says "once per team" as the site does
    extra = 0


class PartyInline(ScopedAdminMixin, admin.TabularInline):
    model = Party
    formset = PartyRowsFormSet  # says "its own name" as the site does
    extra = 0


class FundingInline(ScopedAdminMixin, admin.TabularInline):
    model = Funding
    extra = 0


@admin.register(Initiative)
class InitiativeAdmin(SavedWithRowsAdmin, ScopedAdminMixin, admin.ModelAdmin):
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

    def save_through_service(self, request, form, rows, change):
        fields = {name: value for name, value in form.cleaned_data.items() if name != "observers"}
        observers = form.cleaned_data["observers"]
        if change:
            return services.initiative_update(
                initiative=form.instance, by=request.user, observers=observers, **rows, **fields
            )
        # As on the site, the creator joins the team as lead; the rows given here join too.
        initiative = services.initiative_create(created_by=request.user, observers=observers, **fields)
        creator = [{"id": lead.pk, "user": lead.user, "role": lead.role} for lead in initiative.team_memberships.all()]
        rows["team"] = creator + rows.get("team", [])
        return services.initiative_update(initiative=initiative, by=request.user, **rows)

    def delete_model(self, request, obj):
        services.initiative_delete(initiative=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for initiative in queryset:
            services.initiative_delete(initiative=initiative, by=request.user)


@admin.register(TeamMembership)
class TeamMembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "initiative", "role", "joined_at")
    list_filter = ("role", "initiative")
    list_select_related = ("user", "initiative")
    search_fields = ("user__email", "user__full_name", "initiative__title")

    def save_model(self, request, obj, form, change):
        if change:
            services.team_membership_change(membership=obj, by=request.user, **form.cleaned_data)
        else:
            take_over(obj, services.team_membership_add(by=request.user, **form.cleaned_data))

    def delete_model(self, request, obj):
        services.team_membership_remove(membership=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.team_membership_remove(membership=membership, by=request.user)


@admin.register(Party)
class PartyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "initiative")
    list_filter = ("initiative",)
    list_select_related = ("initiative",)
    search_fields = ("name",)


@admin.register(Funding)
class FundingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("donor", "initiative", "amount", "currency", "starts_on", "ends_on")
    list_filter = ("initiative",)
    list_select_related = ("initiative",)
    search_fields = ("donor",)


class AgendaSessionInline(ScopedAdminMixin, admin.TabularInline):
    model = AgendaSession
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(SavedWithRowsAdmin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "initiative_shown", "kind", "city", "country", "starts_at", "status", "level")
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

    def save_through_service(self, request, form, rows, change):
        if change:
            return services.workshop_update(workshop=form.instance, by=request.user, **rows, **form.cleaned_data)
        return services.workshop_create(by=request.user, **rows, **form.cleaned_data)


@admin.register(AgendaSession)
class AgendaSessionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "workshop", "starts_at", "ends_at")
    list_filter = ("workshop",)
    list_select_related = ("workshop",)
    search_fields = ("title",)


class InvitationReminderInline(ScopedAdminMixin, admin.TabularInline):
    model = InvitationReminder
    visible_through = "invitation"
    fields = ("kind", "sent_at")
    readonly_fields = ("sent_at",)
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


@admin.register(InvitationReminder)
class InvitationReminderAdmin(ScopedAdminMixin, admin.ModelAdmin):
    visible_through = "invitation"
    list_display = ("__str__", "invitation", "kind", "sent_at")
    list_filter = ("kind",)


class DocumentVersionInline(ScopedAdminMixin, admin.TabularInline):
    model = DocumentVersion
    fields = ("number", "file", "uploaded_by", "uploaded_at")
    readonly_fields = ("uploaded_at",)
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


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "document", "number", "uploaded_by", "uploaded_at")
    list_select_related = ("document", "uploaded_by")
