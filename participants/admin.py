from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin, ScopedAdminMixin

from .forms import OrganizationRulesMixin, ParticipantRulesMixin
from .models import ConsentRecord, Organization, Participant, SanctionsEntry, SanctionsHit, VettingCase
from .selectors import participant_search_q
from .services import organization_create, organization_update, participant_create, participant_update

# What of a participant is identity: withheld from admins who may not see it.
IDENTITY_FIELDS = ("full_name", "email", "organization", "title", "user")


class ParticipantAdminForm(ParticipantRulesMixin, forms.ModelForm):
    class Meta:
        model = Participant
        fields = (
            "full_name",
            "codename",
            "email",
            "nationality",
            "languages",
            "gender",
            "organization",
            "title",
            "category",
            "personal_capacity",
            "risk_level",
            "level",
            "user",
        )


class ParticipantChoiceMixin:
    """Participant choices labelled with what the admin may see of each (name or codename)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Participant:
            kwargs["queryset"] = Participant.objects.visible_to(request.user).with_identity_for(request.user)
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda participant: participant.display_name
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def take_over(obj, created):
    """Let the admin go on with ``obj``, the form's unsaved instance, as the record a service created.

    After ``save_model`` the admin saves the inlines against ``obj``, logs the addition and redirects
    to it: all of that needs the stored record's primary key and values.
    """
    obj.pk = created.pk
    obj.refresh_from_db()
    obj._state.adding = False


class OrganizationAdminForm(OrganizationRulesMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = ("name", "kind", "country")


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = OrganizationAdminForm
    list_display = ("name", "kind", "country")
    list_filter = ("kind", "country")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        if change:
            organization_update(organization=obj, by=request.user, **form.cleaned_data)
        else:
            take_over(obj, organization_create(by=request.user, **form.cleaned_data))


class ConsentRecordInline(ScopedAdminMixin, admin.TabularInline):
    model = ConsentRecord
    visible_through = "participant"
    fields = ("kind", "given_at", "withdrawn_at", "recorded_by")
    extra = 0


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
    list_display = ("shown_name", "codename", "category", "nationality", "risk_level", "level")
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

    def save_model(self, request, obj, form, change):
        # Consents are not on this form (the inline below keeps their records): left alone.
        if change:
            participant_update(participant=obj, by=request.user, consents=None, **form.cleaned_data)
        else:
            take_over(obj, participant_create(by=request.user, **form.cleaned_data))


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ParticipantChoiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    visible_through = "participant"
    list_display = ("participant", "kind", "given_at", "withdrawn_at")
    list_filter = ("kind",)
    list_select_related = ("participant",)
    search_fields = ("participant__codename",)


@admin.register(VettingCase)
class VettingCaseAdmin(ParticipantChoiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "participant", "status", "reviewer", "decided_at", "expires_at")
    list_filter = ("status", "sanctions_screened")
    list_select_related = ("participant", "reviewer")
    search_fields = ("participant__codename",)


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


@admin.register(SanctionsHit)
class SanctionsHitAdmin(ParticipantChoiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "participant", "entry", "score", "status", "resolved_at")
    list_filter = ("status",)
    list_select_related = ("participant", "entry")
    search_fields = ("participant__codename", "entry__name")
