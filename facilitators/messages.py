"""The messages the facilitators app sends through the outbox (``core.outbox``): the follow-up reminders
(``facilitators.reminders``) to action items' owners, to facilitators whose report is late, and to leads
whose approval is awaited. Each is composed when it is sent, in the recipient's language, from the record
as it is then; one no longer due is not sent (the outbox marks it so)."""

from django.utils.translation import gettext_lazy as _

from core import outbox
from dialogues.models import Workshop

from . import reminders
from .action_items import with_owners_for
from .models import ActionItem, OutcomeReport


def _items():
    return ActionItem.objects.select_related("report__workshop__initiative", "owner", "owner_participant__user")


def _workshops():
    return Workshop.objects.select_related("initiative")


def _reports():
    return OutcomeReport.objects.select_related("workshop__initiative")


def compose_action_item(message, item):
    from . import follow_up_emails

    if not reminders.action_item_still_due(message.kind, item, message.data):
        return None
    return follow_up_emails.action_item_email(item, kind=message.kind, key=message.key)


def compose_report_late(message, workshop):
    from . import follow_up_emails

    user = reminders.user_of(message.data)
    if not reminders.report_late_still_due(workshop, user):
        return None
    return follow_up_emails.report_email(workshop=workshop, report=None, user=user, kind=message.kind, key=message.key)


def compose_awaiting_approval(message, report):
    from . import follow_up_emails

    user = reminders.user_of(message.data)
    if not reminders.approval_still_due(report, user, message.data):
        return None
    return follow_up_emails.report_email(
        workshop=report.workshop, report=report, user=user, kind=message.kind, key=message.key
    )


def describe_action_items(ids, user):
    """For the outbox page: the action's title, and its participant owner as ``user`` may know them."""
    items = with_owners_for(ActionItem.objects.visible_to(user).filter(pk__in=ids), user)
    return {item.pk: outbox.Described(about=item.title, url=None, participant=item.owner_participant) for item in items}


def describe_workshops(ids, user):
    return {
        workshop.pk: outbox.Described(about=workshop.title, url=workshop.get_absolute_url())
        for workshop in Workshop.objects.visible_to(user).filter(pk__in=ids)
    }


def describe_reports(ids, user):
    reports = OutcomeReport.objects.visible_to(user).filter(pk__in=ids).select_related("workshop")
    return {
        report.pk: outbox.Described(about=report.workshop.title, url=report.get_absolute_url()) for report in reports
    }


ACTION_LABELS = {
    reminders.ACTION_DUE_SOON: _("Action due soon"),
    reminders.ACTION_DUE_TODAY: _("Action due today"),
    reminders.ACTION_OVERDUE: _("Action overdue"),
}


def register_kinds():
    for name, label in ACTION_LABELS.items():
        outbox.register(
            outbox.Kind(
                name=name,
                model=ActionItem,
                compose=compose_action_item,
                label=label,
                records=_items,
                describe=describe_action_items,
            )
        )
    outbox.register(
        outbox.Kind(
            name=reminders.REPORT_LATE,
            model=Workshop,
            compose=compose_report_late,
            label=_("Outcome report awaited"),
            records=_workshops,
            describe=describe_workshops,
        )
    )
    outbox.register(
        outbox.Kind(
            name=reminders.REPORT_AWAITING_APPROVAL,
            model=OutcomeReport,
            compose=compose_awaiting_approval,
            label=_("Outcome report awaiting approval"),
            records=_reports,
            describe=describe_reports,
        )
    )
