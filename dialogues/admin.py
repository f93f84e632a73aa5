from django import forms
from django.contrib import admin
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedAdminMixin
from core.levels import Level
from participants.admin import ParticipantChoiceMixin
from participants.models import Participant

from . import selectors
from .forms import PartyRowsFormSet, TeamMembershipRowsFormSet
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


def adopt(obj, created):
    """Make the admin's unsaved ``obj`` the record a service created (the admin goes on with ``obj``)."""
    obj.__dict__.update(created.__dict__)


class InitiativeAdminForm(forms.ModelForm):
    class Meta:
        model = Initiative
        fields = ("title", "codename", "conflict", "track", "phase", "objectives", "level", "observers")

    user = None  # set by InitiativeAdmin.get_form: the admin, who is told only of workshops they may see

    def clean_level(self):
        level = self.cleaned_data["level"]
        initiative = self.instance
        if initiative.pk:
            below = selectors.workshops_below_level_label(self.user, initiative, level)
            if below:
                raise forms.ValidationError(
                    _("These workshops would be less confidential than their initiative: %(workshops)s.")
                    % {"workshops": below}
                )
            if initiative.team_memberships.filter(user__clearance__lt=level).exists():
                raise forms.ValidationError(
                    _("Every team member must be cleared for %(level)s.") % {"level": Level(level).label}
                )
        return level


class TeamMembershipInline(ScopedAdminMixin, admin.TabularInline):
    model = TeamMembership
    formset = TeamMembershipRowsFormSet  # members can trade rows in one save
    extra = 0


class PartyInline(ScopedAdminMixin, admin.TabularInline):
    model = Party
    formset = PartyRowsFormSet  # names can move between parties in one save
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

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class each time
        form.user = request.user
        return form

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
