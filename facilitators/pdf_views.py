"""The outcome report as a PDF: read through ``visible_to`` (hidden → 404), audited at every level (a copy
that leaves Parley), never cached, under a file name that names nothing."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from core.audit import record_read
from core.models import AccessLog
from core.time_zones import viewer_zone_name

from . import pdf
from .models import OutcomeReport


@require_safe
def report_pdf(request, pk):
    report = get_object_or_404(
        OutcomeReport.objects.visible_to(request.user).select_related("workshop__initiative", "session"), pk=pk
    )
    exported = pdf.export(
        report=report, user=request.user, version=request.GET.get("version"), zone_name=viewer_zone_name(request)
    )
    record_read(
        user=request.user, record=report, action=AccessLog.Action.EXPORT, path=request.get_full_path(), always=True
    )
    response = HttpResponse(exported.data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="outcome-report-{report.pk}-v{exported.version}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
