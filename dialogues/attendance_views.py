"""Recording who came to a workshop: once it has started, each accepted invitee attended or no-show, in one form.

For its assigned facilitators and those who may manage it (``selectors.attendance_can_record``): a workshop
the user may not see answers 404, one they may see but not record 403. Before the workshop starts (or
once cancelled) the page says so and shows no form.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from core.audit import record_read

from . import selectors, services
from .attendance_forms import AttendanceForm
from .models import Workshop


@require_http_methods(["GET", "HEAD", "POST"])
def workshop_attendance(request, pk):
    workshop = get_object_or_404(
        Workshop.objects.visible_to(request.user)
        .select_related("initiative")
        .annotate(initiative_visible=selectors.initiative_visible_flag(request.user)),
        pk=pk,
    )
    if not selectors.attendance_can_record(request.user, workshop):
        raise PermissionDenied
    is_open = selectors.attendance_is_open(workshop)
    form = None
    if is_open:
        invitations = list(selectors.attendance_invitations(request.user, workshop))
        form = AttendanceForm(request.POST if request.method == "POST" else None, invitations=invitations)
        if form.is_bound and form.is_valid():
            try:
                changed = services.attendance_record(workshop=workshop, marks=form.marks(), by=request.user)
            except ValidationError as refusal:
                form.add_error(None, refusal)
            else:
                if changed:
                    text = ngettext(
                        "Attendance recorded: %(count)s invitee's mark changed.",
                        "Attendance recorded: %(count)s invitees' marks changed.",
                        changed,
                    ) % {"count": changed}
                else:
                    text = _("Nothing changed: the marks were already as given.")
                messages.success(request, text)
                return redirect(workshop)
    if request.method != "POST":
        record_read(user=request.user, record=workshop, path=request.path)  # the page names the invitees
    return render(
        request,
        "dialogues/workshop_attendance.html",
        {"workshop": workshop, "form": form, "is_open": is_open},
    )
