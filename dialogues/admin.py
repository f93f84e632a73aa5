from django import forms
from django.contrib import admin
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedAdminMixin
from core.levels import Level
from participants.admin import ParticipantChoiceMixin
from participants.models import Participant

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
from .services import initiative_create


def adopt(obj, created):
    """Make the admin's unsaved ``obj`` the record a service created (the admin goes on with ``obj``)."""
    obj.__dict__.update(created.__dict__)


class InitiativeAdminForm(forms.ModelForm):
    class Meta:
        model = Initiative
        fields = ("title", "codename", "conflict", "track", "phase", "objectives", "level", "observers")

    def clean_level(self):
        level = self.cleaned_data["level"]
        initiative = self.instance
        if initiative.pk:
            below = initiative.workshops.filter(level__lt=level).values_list("title", flat=True)
            if below:
                raise forms.ValidationError(
                    _("These workshops would be less confidential than their initiative: %(workshops)s.")
                    % {"workshops": ", ".join(below)}
                )
            if initiative.team_memberships.filter(user__clearance__lt=level).exists():
                raise forms.ValidationError(
                    _("Every team member must be cleared for %(level)s.") % {"level": Level(level).label}
                )
        return level


class TeamMembershipInline(ScopedAdminMixin, admin.TabularInline):
    model = TeamMembership
    extra = 0


class PartyInline(ScopedAdminMixin, admin.TabularInline):
    model = Party
    extra = 0


class FundingInline(ScopedAdminMixin, admin.TabularInline):
    model = Funding
    extra = 0


@admin.register(Initiative)
class InitiativeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = InitiativeAdminForm
    list_display = ("title", "codename", "track", "phase", "level")
    list_filter = ("phase", "track", "level")
    search_fields = ("title", "codename", "conflict")
    filter_horizontal = ("observers",)
    inlines = (TeamMembershipInline, PartyInline, FundingInline)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # Through the service: the creator joins the team as lead, as in the web interface.
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields if name != "observers"}
        adopt(obj, initiative_create(created_by=request.user, **fields))


@admin.register(TeamMembership)
class TeamMembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "initiative", "role", "joined_at")
    list_filter = ("role", "initiative")
    list_select_related = ("user", "initiative")
    search_fields = ("user__email", "user__full_name", "initiative__title")


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
class WorkshopAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "initiative", "kind", "city", "country", "starts_at", "status", "level")
    list_filter = ("status", "kind", "level", "initiative")
    list_select_related = ("initiative",)
    search_fields = ("title", "city")
    date_hierarchy = "starts_at"
    inlines = (AgendaSessionInline,)


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
    list_display = ("__str__", "workshop", "invitee", "party", "status", "responded_at")
    list_filter = ("status", "workshop")
    list_select_related = ("workshop", "party")
    search_fields = ("participant__codename", "workshop__title")
    inlines = (InvitationReminderInline,)

    def get_queryset(self, request):
        identity = Participant.objects.with_identity_for(request.user)
        return super().get_queryset(request).prefetch_related(Prefetch("participant", queryset=identity))

    @admin.display(description=_("participant"))
    def invitee(self, invitation):
        return invitation.participant.display_name


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
    list_display = ("title", "kind", "initiative", "workshop", "audience", "level")
    list_filter = ("kind", "audience", "level")
    list_select_related = ("initiative", "workshop")
    search_fields = ("title",)
    inlines = (DocumentVersionInline,)


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "document", "number", "uploaded_by", "uploaded_at")
    list_select_related = ("document", "uploaded_by")
