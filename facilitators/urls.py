from django.urls import path

from . import action_views, briefing_views, pdf_views, report_views, workspace_views

app_name = "facilitators"

urlpatterns = [
    path("reports/<int:pk>/pdf/", pdf_views.report_pdf, name="report-pdf"),
    path("reports/<int:report_pk>/actions/add/", action_views.action_add, name="action-add"),
    path("actions/<int:pk>/edit/", action_views.action_edit, name="action-edit"),
    path("actions/mine/", action_views.my_action_items, name="my-action-items"),
    path("actions/<int:pk>/done/", action_views.action_complete, name="action-complete"),
    path("actions/done/<str:token>/", action_views.action_done, name="action-done"),
    path(
        "reports/<int:report_pk>/briefings/add/",
        briefing_views.briefing_create_from_report,
        name="briefing-create-from-report",
    ),
    path("initiatives/<int:pk>/briefings/", briefing_views.initiative_briefings, name="initiative-briefings"),
    path("initiatives/<int:pk>/briefings/add/", briefing_views.briefing_create, name="briefing-create"),
    path("initiatives/<int:pk>/timeline/", briefing_views.initiative_timeline, name="initiative-timeline"),
    path("briefings/<int:pk>/", briefing_views.briefing_detail, name="briefing-detail"),
    path("briefings/<int:pk>/edit/", briefing_views.briefing_update, name="briefing-update"),
    path("facilitation/", workspace_views.workspace, name="workspace"),
    path("workshops/<int:workshop_pk>/reports/start/", report_views.report_start, name="report-start"),
    path("reports/<int:pk>/", report_views.report_detail, name="report-detail"),
    path("reports/<int:pk>/edit/", report_views.report_edit, name="report-edit"),
    path("reports/<int:pk>/preview/", report_views.report_preview, name="report-preview"),
    path("reports/<int:pk>/submit/", report_views.report_submit, name="report-submit"),
    path("reports/<int:pk>/review/", report_views.report_review, name="report-review"),
    path("reports/<int:pk>/amend/", report_views.report_amend, name="report-amend"),
    path("reports/<int:pk>/versions/", report_views.report_versions, name="report-versions"),
    path("reports/<int:pk>/versions/<int:number>/", report_views.report_version, name="report-version"),
    path("reports/<int:pk>/diff/", report_views.report_diff, name="report-diff"),
]
