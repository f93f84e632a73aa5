from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin, ScopedAdminMixin, country_column, form_values

from .forms import OrganizationRulesMixin, ParticipantRulesMixin
from .models import ConsentRecord, Organization, Participant, SanctionsEntry, SanctionsHit, VettingCase
from .selectors import participant_search_q
from .services import (
    PARTICIPANT_DETAILS,
    consent_record_create,
    consent_record_update,
    organization_create,
    organization_delete,
    organization_update,
    participant_create,
    participant_delete,
    participant_update,
    sanctions_entry_create,
    sanctions_entry_delete,
    sanctions_entry_update,
    sanctions_hit_create,
    sanctions_hit_update,
    vetting_case_create,
    vetting_case_update,
)

# What of a participant is identity: withheld from admins who may not see it.
IDENTITY_FIELDS = ("full_name", "email", "organization", "title", "user")


class ParticipantAdminForm(ParticipantRulesMixin, forms.ModelForm):
    class Meta:
        model = Participant
        fields = (*PARTICIPANT_DETAILS, "user")


class ParticipantChoiceMixin:
    """Participant choices labelled with what the admin may see of each (name or codename)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Participant:
            kwargs["queryset"] = Participant.objects.visible_to(request.user).with_identity_for(request.user)
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda participant: participant.display_name
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OrganizationAdminForm(OrganizationRulesMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = ("name", "kind", "country")


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = OrganizationAdminForm
    list_display = ("name", "kind", country_column("country", _("country")))
    list_filter = ("kind", "country")
    search_fields = ("name",)

    def create_record(self, request, form):
        return organization_create(by=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        organization_update(organization=obj, by=request.user, **form_values(form))

    def delete_record(self, request, obj):
        organization_delete(organization=obj, by=request.user)


class ConsentRecordInline(ScopedAdminMixin, admin.TabularInline):
    """Consents are recorded here, as given to ``recorded_by``; a withdrawal is recorded on the consent's
    own page, and no record is ever deleted (the history of consent stays)."""

    model = ConsentRecord
    visible_through = "participant"
    fields = ("kind", "given_at", "withdrawn_at", "recorded_by")
    readonly_fields = ("recorded_by",)
    extra = 0

    def create_record(self, request, form):
        return consent_record_create(by=request.user, **form_values(form))


class VettingCaseInline(ReadOnlyAdminMixin, ScopedAdminMixin, admin.TabularInline):
    model = VettingCase
    fields = ("status", "reviewer", "decided_at", "expires_at")
    readonly_fields = fields
    show_change_link = True
    extra = 0


@admin.register(Participant)
class ParticipantAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Names, e-mails and affiliations only where the admin may see the person's identity.

    The change list shows ``display_name`` (codename when the identity is hidden), search matches
    names and e-mails only where the identity is visible, and the change page of a person whose
    identity is hidden is read-only without the identity fields.
    """

    form = ParticipantAdminForm
    list_display = (
        "shown_name",
        "codename",
        "category",
        country_column("nationality", _("nationality")),
        "risk_level",
        "level",
    )
    list_filter = ("category", "risk_level", "level", "nationality", "personal_capacity")
    search_fields = ("codename",)  # the search itself: get_search_results
    inlines = (ConsentRecordInline, VettingCaseInline)

    def get_queryset(self, request):
        return super().get_queryset(request).with_identity_for(request.user)

    def get_ordering(self, request):
        # Never by the real name: the position of a masked row would hint at it.
        return ("codename", "pk")

    def get_search_results(self, request, queryset, search_term):
        search_term = search_term.strip()
        if not search_term:
            return queryset, False
        return queryset.filter(participant_search_q(request.user, search_term)), False

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or ())
        if obj is not None and not obj.identity_visible:
            excluded.extend(IDENTITY_FIELDS)
        return excluded

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.identity_visible:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.identity_visible:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("name"))
    def shown_name(self, participant):
        return participant.display_name

    # Consents are not on this form (the inline keeps their records): the services leave them alone.

    def create_record(self, request, form):
        return participant_create(by=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        participant_update(participant=obj, by=request.user, consents=None, **form_values(form))

    def delete_record(self, request, obj):
        participant_delete(participant=obj, by=request.user)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ParticipantChoiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    """A consent is recorded as given to ``recorded_by``; once recorded, only its withdrawal changes, and
    it is never deleted (the history of consent stays)."""

    visible_through = "participant"
    list_display = ("participant", "kind", "given_at", "withdrawn_at")
    list_filter = ("kind",)
    list_select_related = ("participant",)
    search_fields = ("participant__codename",)
    fields = ("participant", "kind", "given_at", "withdrawn_at", "recorded_by")

    def get_readonly_fields(self, request, obj=None):
        return ("recorded_by",) if obj is None else ("participant", "kind", "given_at", "recorded_by")

    def create_record(self, request, form):
        return consent_record_create(by=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        consent_record_update(consent=obj, by=request.user, **form_values(form))


@admin.register(VettingCase)
class VettingCaseAdmin(ParticipantChoiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    """A vetting case is opened and decided here; it is never deleted (the record of a decision)."""

    list_display = ("__str__", "participant", "status", "reviewer", "decided_at", "expires_at")
    list_filter = ("status", "sanctions_screened")
    list_select_related = ("participant", "reviewer")
    search_fields = ("participant__codename",)

    def create_record(self, request, form):
        return vetting_case_create(**form_values(form))

    def update_record(self, request, obj, form):
        vetting_case_update(case=obj, **form_values(form))


class SanctionsEntryAdminForm(forms.ModelForm):
    class Meta:
        model = SanctionsEntry
        fields = ("source", "reference", "kind", "name", "aliases", "nationality", "listed_on", "comments")

    def clean_aliases(self):
        aliases = self.cleaned_data.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(alias, str) and alias.strip() for alias in aliases):
            raise forms.ValidationError(
                _('Enter the aliases as a JSON list of names, e.g. ["Name One", "Name Two"].'), code="aliases"
            )
        return [alias.strip() for alias in aliases]


@admin.register(SanctionsEntry)
class SanctionsEntryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = SanctionsEntryAdminForm
    list_display = ("reference", "name", "source", "kind", "listed_on")
    list_filter = ("source", "kind")
    search_fields = ("name", "reference")

    def create_record(self, request, form):
        return sanctions_entry_create(**form_values(form))

    def update_record(self, request, obj, form):
        sanctions_entry_update(entry=obj, **form_values(form))

    def delete_record(self, request, obj):
        sanctions_entry_delete(entry=obj)


@admin.register(SanctionsHit)
class SanctionsHitAdmin(ParticipantChoiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    """A hit is recorded and resolved here; it is never deleted (the record of the screening)."""

    list_display = ("__str__", "participant", "entry", "score", "status", "resolved_at")
    list_filter = ("status",)
    list_select_related = ("participant", "entry")
    search_fields = ("participant__codename", "entry__name")

    def create_record(self, request, form):
        return sanctions_hit_create(**form_values(form))

    def update_record(self, request, obj, form):
        sanctions_hit_update(hit=obj, **form_values(form))
