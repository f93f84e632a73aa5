"""The access log page: who read which CONFIDENTIAL or higher record, and who changed which account,
for admins only; the outbox page, for staff; and the options of type-ahead selects (``core.choices``)."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from . import outbox
from .choices import source_named
from .forms import DateInput, StyledFormMixin
from .models import AccessLog, OutboxMessage
from .pagination import paginate
from .validators import validate_date_in_range
from .visibility import is_admin, is_organisation_member
from .widgets import TypeAheadChoiceField, choice_options_html

# Apps whose records carry a confidentiality level and can appear in the log; and accounts, whose
# changes by admins are logged.
LOGGED_APPS = ("accounts", "participants", "dialogues", "facilitators")


class RecordTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name.capitalize()


class AccessLogFilterForm(StyledFormMixin, forms.Form):
    # The accounts the viewer may see (``accounts.choices``): an account is identity.
    user = TypeAheadChoiceField("accounts", label=_("User"), required=False, queryset=get_user_model().objects.none())
    record_type = RecordTypeChoiceField(
        label=_("Record type"),
        required=False,
        queryset=ContentType.objects.filter(app_label__in=LOGGED_APPS).order_by("app_label", "model"),
        empty_label=_("Any type"),
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *AccessLog.Action.choices]
    )
    date_from = forms.DateField(
        label=_("From (UTC)"), required=False, widget=DateInput(), validators=[validate_date_in_range]
    )
    date_to = forms.DateField(
        label=_("To (UTC)"), required=False, widget=DateInput(), validators=[validate_date_in_range]
    )

    def __init__(self, *args, viewer, **kwargs):
        self.user = viewer
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end of the range must not be before its start."))
        return cleaned

    def filter(self, entries):
        """Apply the valid filters; invalid ones are shown as errors and ignored."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("user"):
            entries = entries.filter(user=data["user"])
        if data.get("record_type"):
            entries = entries.filter(content_type=data["record_type"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        zone = dt.UTC  # the page shows and filters times in UTC
        if data.get("date_from"):
            entries = entries.filter(at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=zone))
        if data.get("date_to"):
            next_day = data["date_to"] + dt.timedelta(days=1)
            entries = entries.filter(at__lt=dt.datetime.combine(next_day, dt.time.min, tzinfo=zone))
        return entries


def access_log(request):
    if not is_admin(request.user):
        raise Http404
    form = AccessLogFilterForm(request.GET, viewer=request.user)
    entries = form.filter(
        AccessLog.objects.visible_to(request.user)
        .with_reader_shown_to(request.user)
        .select_related("user", "content_type")
    )
    page_obj = paginate(request, entries)
    context = {"form": form, "page_obj": page_obj, "entries": page_obj.object_list}
    return render(request, "core/access_log.html", context)


@require_safe
def choice_options(request, source):
    """The ``<option>`` elements of a type-ahead select (``core.widgets.TypeAheadSelect``): the chosen
    record, then the first that match the text typed. Only records the user may choose; a source they
    may not use answers 404, like a page they may not open."""
    choice_source = source_named(source)
    if choice_source is None or not choice_source.allowed(request.user):
        raise Http404
    field = request.GET.get("field", "")
    if not field.isidentifier():
        field = ""
    search_text = request.GET.get(f"{field}_search", "") if field else ""
    selected = request.GET.getlist(field)[:1] if field else []
    blank = request.GET.get("blank", "")
    html = choice_options_html(choice_source, request.user, search_text, selected, blank)
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    return response


class OutboxFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *OutboxMessage.Status.choices]
    )
    kind = forms.ChoiceField(label=_("Message"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any message")), *outbox.kind_labels().items()]

    def filters(self):
        """The valid filters (an invalid one is shown as an error and ignored)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name, "") for name in ("status", "kind")}


@require_safe
def outbox_page(request):
    """Every message the user may see (those about records they may see), newest first; staff only."""
    if not outbox_can_read(request.user):
        raise Http404
    form = OutboxFilterForm(request.GET)
    page_obj = paginate(request, outbox.messages_for_page(request.user, **form.filters()))
    shown = outbox.described(list(page_obj.object_list), request.user)
    context = {
        "form": form,
        "page_obj": page_obj,
        "messages_shown": shown,
        "waiting": any(message.status == OutboxMessage.Status.PENDING for message in shown),
    }
    template = "core/outbox.html#outbox-table" if request.htmx else "core/outbox.html"
    return render(request, template, context)


def outbox_resend(request, pk):
    if not outbox_can_read(request.user):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    message = get_object_or_404(OutboxMessage.objects.visible_to(request.user), pk=pk)
    if outbox.message_resend(message=message, by=request.user):
        messages.success(request, _("The message will be sent again."))
    else:
        messages.info(request, _("This message is not waiting to be sent again."))
    return redirect("core:outbox")


def outbox_can_read(user):
    """The outbox page is for the organisation's people (admins and staff)."""
    return is_organisation_member(user)
