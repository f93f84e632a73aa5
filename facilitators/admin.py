from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin, ScopedAdminMixin, form_values

from . import services
from .models import (
    ActionItem,
    Assignment,
    Facilitator,
    OutcomeReport,
    OutcomeReportEvent,
    OutcomeReportVersion,
    TrackOneBriefing,
)


@admin.register(Facilitator)
class FacilitatorAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "languages")
    list_select_related = ("user",)
    search_fields = ("user__full_name", "user__email", "expertise")

    def create_record(self, request, form):
        return services.facilitator_create(**form_values(form))

    def update_record(self, request, obj, form):
        services.facilitator_update(facilitator=obj, **form_values(form))

    def delete_record(self, request, obj):
        services.facilitator_delete(facilitator=obj)


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("facilitator", "workshop", "role")
    list_filter = ("role", "workshop")
    list_select_related = ("facilitator__user", "workshop")

    def create_record(self, request, form):
        return services.assignment_create(**form_values(form))

    def update_record(self, request, obj, form):
        services.assignment_update(assignment=obj, **form_values(form))

    def delete_record(self, request, obj):
        services.assignment_delete(assignment=obj)


class ActionItemWrites:
    def create_record(self, request, form):
        return services.action_item_create(by=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        services.action_item_update(item=obj, by=request.user, **form_values(form))

    def delete_record(self, request, obj):
        services.action_item_delete(item=obj)


class ActionItemInline(ActionItemWrites, ScopedAdminMixin, admin.TabularInline):
    model = ActionItem
    fields = ("title", "owner", "due_on", "status", "completed_at")
    extra = 0


class OutcomeReportVersionInline(ReadOnlyAdminMixin, ScopedAdminMixin, admin.TabularInline):
    model = OutcomeReportVersion
    visible_through = "report"
    fields = ("number", "saved_by", "saved_at")
    readonly_fields = fields
    extra = 0


@admin.register(OutcomeReport)
class OutcomeReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A report is added here with its first version (and action items); it is not changed or deleted
    here: each change of a report is a new version, and its submission and approval have their rules,
    which belong to the outcome reports' own pages."""

    list_display = ("__str__", "workshop", "session", "status", "level", "version", "submitted_at")
    list_filter = ("status", "level", "workshop")
    list_select_related = ("workshop", "session")
    inlines = (ActionItemInline, OutcomeReportVersionInline)

    def create_record(self, request, form):
        return services.outcome_report_create(**form_values(form))


@admin.register(OutcomeReportVersion)
class OutcomeReportVersionAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The version history is written by the application; nobody rewrites it."""

    visible_through = "report"
    list_display = ("__str__", "report", "saved_by", "saved_at")
    list_select_related = ("report", "saved_by")


@admin.register(OutcomeReportEvent)
class OutcomeReportEventAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The steps of a report's workflow are written by its services; nobody rewrites them."""

    visible_through = "report"
    list_display = ("__str__", "report", "action", "version", "by", "at")
    list_filter = ("action",)
    list_select_related = ("report", "by")


@admin.register(ActionItem)
class ActionItemAdmin(ActionItemWrites, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "report", "owner_shown", "due_on", "status")
    list_filter = ("status",)
    list_select_related = ("report", "owner")
    search_fields = ("title",)

    def get_queryset(self, request):
        # An owner may be a participant, whose account (name, e-mail) is their identity.
        accounts = get_user_model().objects.visible_to(request.user)
        return super().get_queryset(request).annotate(owner_visible=Exists(accounts.filter(pk=OuterRef("owner_id"))))

    @admin.display(description=_("owner"))
    def owner_shown(self, item):
        if item.owner_id is None:
            return "—"
        return str(item.owner) if item.owner_visible else _("Identity protected")


@admin.register(TrackOneBriefing)
class TrackOneBriefingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A briefing is recorded and corrected here; it is never deleted (the record of what went to official
    diplomacy)."""

    list_display = ("recipient", "recipient_role", "report", "briefing_level", "level", "briefed_on", "briefed_by")
    list_filter = ("briefing_level", "recipient_role")
    list_select_related = ("report", "briefed_by")
    search_fields = ("recipient",)

    def create_record(self, request, form):
        return services.track_one_briefing_create(user=request.user, **form_values(form))

    def update_record(self, request, obj, form):
        services.track_one_briefing_update(briefing=obj, user=request.user, **form_values(form))
