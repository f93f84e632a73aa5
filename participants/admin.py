from django import forms
from django.contrib import admin
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin, ScopedAdminMixin, country_column, form_values

from .forms import OrganizationRulesMixin, ParticipantRulesMixin
from .models import (
    ConsentRecord,
    Organization,
    Participant,
    SanctionsEntry,
    SanctionsHit,
    SanctionsList,
    ScreeningRun,
    VettingCase,
    VettingCaseEvent,
)
from .selectors import participant_search_q
from .services import (
    PARTICIPANT_DETAILS,
    VETTING_ASSESSMENT_FIELDS,
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
    vetting_case_confirm,
    vetting_case_decide,
    vetting_case_open,
    vetting_case_record,
    vetting_case_return,
)

# What of a participant is identity: withheld from admins who may not see it.
IDENTITY_FIELDS = ("full_name", "email", "date_of_birth", "organization", "title", "user")


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


class VettingCaseAddForm(forms.ModelForm):
    class Meta:
        model = VettingCase
        fields = ("participant", "notes")


# What the admin's change page may do besides saving the checks: the services' steps.
CONFIRM, RETURN = "confirm", "return"
VETTING_ADMIN_STEPS = [
    ("", _("Only save the checks and assessment")),
    (VettingCase.Status.APPROVED, _("Approve")),
    (VettingCase.Status.APPROVED_WITH_CONDITIONS, _("Approve with conditions")),
    (VettingCase.Status.REJECTED, _("Reject")),
    (CONFIRM, _("Confirm the approval awaiting a second admin")),
    (RETURN, _("Send the approval awaiting confirmation back to review")),
]


class VettingCaseChangeForm(forms.ModelForm):
    """The checks and assessment, and a step of the workflow; dates, expiry and status are the system's."""

    step = forms.ChoiceField(label=_("Then"), choices=VETTING_ADMIN_STEPS, required=False)
    decision_conditions = forms.CharField(
        label=_("Conditions"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    decision_text = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a rejection, and for sending an approval back."),
    )

    class Meta:
        model = VettingCase
        fields = VETTING_ASSESSMENT_FIELDS


@admin.register(VettingCase)
class VettingCaseAdmin(ParticipantChoiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    """A vetting case is opened, worked on and decided here through the same services as Parley's vetting
    pages (``participants.vetting_views``): the decision's date, the expiry and the status are the system's,
    and every rule (checks before an approval, no open sanctions hit, four eyes) answers with its message.
    A case is never deleted (the record of a decision)."""

    list_display = ("__str__", "shown_participant", "status", "reviewer", "created_at", "decided_at", "expires_at")
    list_filter = ("status", "sanctions_screened")
    list_select_related = ("participant", "reviewer")
    search_fields = ("participant__codename",)  # the search itself: get_search_results
    readonly_fields = (
        "shown_participant",
        "status",
        "reviewer",
        "checks_recorded_by",
        "proposed_status",
        "proposed_by",
        "confirmed_by",
        "confirmed_at",
        "conditions",
        "decision_reason",
        "decided_at",
        "expires_at",
        "created_at",
    )

    def get_queryset(self, request):
        cases = super().get_queryset(request)
        return cases.annotate(
            participant_identity_visible=Participant.objects.filter(
                Participant.objects.identity_q(request.user), pk=OuterRef("participant_id")
            ).values("pk")[:1]
        )

    def get_search_results(self, request, queryset, search_term):
        """By the participant's name or codename, never matching a name the admin may not see."""
        search_term = search_term.strip()
        if not search_term:
            return queryset, False
        found = Participant.objects.visible_to(request.user).filter(participant_search_q(request.user, search_term))
        return queryset.filter(participant__in=found.order_by().values("pk")), False

    @admin.display(description=_("participant"))
    def shown_participant(self, case):
        participant = case.participant
        participant.identity_visible_to_viewer = bool(getattr(case, "participant_identity_visible", None))
        return participant.display_name

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = VettingCaseAddForm if obj is None else VettingCaseChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("participant", "notes")
        return (
            *self.readonly_fields,
            *VETTING_ASSESSMENT_FIELDS,
            "step",
            "decision_conditions",
            "decision_text",
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def create_record(self, request, form):
        data = form.cleaned_data
        return vetting_case_open(participant=data["participant"], by=request.user, notes=data.get("notes") or "")

    def update_record(self, request, obj, form):
        data = form.cleaned_data
        changed = {name: data[name] for name in VETTING_ASSESSMENT_FIELDS if name in form.changed_data}
        if changed:
            vetting_case_record(case=obj, by=request.user, **changed)
        step = data.get("step")
        if step == CONFIRM:
            vetting_case_confirm(case=obj, by=request.user)
        elif step == RETURN:
            vetting_case_return(case=obj, by=request.user, reason=data.get("decision_text", ""))
        elif step:
            vetting_case_decide(
                case=obj,
                by=request.user,
                decision=step,
                conditions=data.get("decision_conditions", ""),
                reason=data.get("decision_text", ""),
            )


@admin.register(VettingCaseEvent)
class VettingCaseEventAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """A case's history, read-only: written by the vetting services alone."""

    visible_through = "case"
    list_display = ("at", "case", "action", "actor")
    list_filter = ("action",)
    list_select_related = ("case", "actor")
    fields = ("case", "at", "actor", "action", "changes")
    readonly_fields = fields


@admin.register(SanctionsList)
class SanctionsListAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The imported versions, read-only: lists are imported by the import service (page or command) alone."""

    list_display = ("source", "generated_on", "imported_at", "entry_count", "is_current", "imported_by")
    list_filter = ("source", "is_current")
    list_select_related = ("imported_by",)
    fields = list_display + ("file_name", "sha256")
    readonly_fields = fields


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Screening runs, read-only: started by the screening service alone."""

    list_display = ("created_at", "reason", "status", "done", "total", "hits_found", "list_version")
    list_filter = ("status",)
    list_select_related = ("list_version",)
    fields = list_display + ("participant", "requested_by", "started_at", "finished_at", "error")
    readonly_fields = fields


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
