from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import ActionItem, Assignment, Facilitator, OutcomeReport, OutcomeReportVersion, TrackOneBriefing


@admin.register(Facilitator)
class FacilitatorAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "languages")
    list_select_related = ("user",)
    search_fields = ("user__full_name", "user__email", "expertise")


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("facilitator", "workshop", "role")
    list_filter = ("role", "workshop")
    list_select_related = ("facilitator__user", "workshop")


class ActionItemInline(ScopedAdminMixin, admin.TabularInline):
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
    list_display = ("__str__", "workshop", "session", "status", "level", "version", "submitted_at")
    list_filter = ("status", "level", "workshop")
    list_select_related = ("workshop", "session")
    inlines = (ActionItemInline, OutcomeReportVersionInline)


@admin.register(OutcomeReportVersion)
class OutcomeReportVersionAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The version history is written by the application; nobody rewrites it."""

    visible_through = "report"
    list_display = ("__str__", "report", "saved_by", "saved_at")
    list_select_related = ("report", "saved_by")


@admin.register(ActionItem)
class ActionItemAdmin(ScopedAdminMixin, admin.ModelAdmin):
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
    list_display = ("recipient", "report", "briefing_level", "briefed_on", "briefed_by")
    list_filter = ("briefing_level",)
    list_select_related = ("report", "briefed_by")
    search_fields = ("recipient",)
