"""The follow-up e-mails (``facilitators.messages``): an HTML and a plain-text part in the recipient's
language, composed at sending time.

As the invitation e-mails (``dialogues.emails``): the subject line names the initiative's codename for
CONFIDENTIAL and higher workshops, the workshop's title below that, and nothing of a workshop the
recipient may not see; the body names only what the recipient may see; the done-link of a participant
owner is the one secret of the message and appears in the body only.
"""

import hashlib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.levels import Level
from dialogues.emails import SUBJECT_PREFIX, _from_domain
from dialogues.models import Workshop

from . import reminders
from .action_links import done_url

HTML_TEMPLATE = "facilitators/email/follow_up.html"
TEXT_TEMPLATE = "facilitators/email/follow_up.txt"


def _site(path):
    return settings.PARLEY_SITE_URL + path


def _subject(kind, workshop):
    name = None
    if workshop is not None:
        confidential = workshop.effective_level >= Level.CONFIDENTIAL
        name = " ".join((workshop.initiative.codename if confidential else workshop.title).split())
    subject = {
        reminders.ACTION_DUE_SOON: _("An action of yours is due soon"),
        reminders.ACTION_DUE_TODAY: _("An action of yours is due today"),
        reminders.ACTION_OVERDUE: _("An action of yours is overdue"),
        reminders.REPORT_LATE: _("An outcome report is awaited"),
        reminders.REPORT_AWAITING_APPROVAL: _("An outcome report awaits your approval"),
    }[kind]
    return SUBJECT_PREFIX + (f"{subject} — {name}" if name else subject)


def _email(*, to, language, kind, key, workshop, level, context):
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            **context,
            "kind": kind,
            "workshop": workshop,
            "confidential": level >= Level.CONFIDENTIAL,
            "language_code": translation.get_language(),
            "language_bidi": translation.get_language_bidi(),
        }
        subject = _subject(kind, workshop)
        text = get_template(TEXT_TEMPLATE).render(context)
        html = get_template(HTML_TEMPLATE).render(context)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Message-ID": f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{_from_domain()}>",
            "Content-Language": context["language_code"],
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def action_item_email(item, *, kind, key):
    """A reminder to the owner of ``item`` (loaded with its report, workshop, initiative and owner): a user
    gets the link to their action items; a participant a fresh done-link."""
    workshop = item.report.workshop
    if item.owner_id is not None:
        recipient = item.owner
        to, name, language = recipient.email, recipient.full_name, recipient.preferred_language
        shown = Workshop.objects.visible_to(recipient).filter(pk=workshop.pk).exists()
        link, done_link = _site(reverse("facilitators:my-action-items")), None
    else:
        recipient = item.owner_participant
        to, name, language = recipient.email, recipient.full_name, recipient.preferred_language
        # Their own account decides what they may see; without one, they took part in the workshop.
        shown = recipient.user_id is None or Workshop.objects.visible_to(recipient.user).filter(pk=workshop.pk).exists()
        link, done_link = None, done_url(item)
    context = {"name": name, "item": item, "link": link, "done_link": done_link, "show_workshop": shown}
    return _email(
        to=to,
        language=language,
        kind=kind,
        key=key,
        workshop=workshop if shown else None,
        level=item.report.effective_level,
        context=context,
    )


def report_email(*, workshop, report, user, kind, key):
    """A reminder to a facilitator (a report awaited) or a lead (an approval awaited), who may see it."""
    context = {
        "name": user.full_name,
        "report": report,
        "link": _site(workshop.get_absolute_url() if report is None else report.get_absolute_url()),
        "show_workshop": True,
    }
    level = workshop.effective_level if report is None else report.effective_level
    return _email(
        to=user.email,
        language=user.preferred_language,
        kind=kind,
        key=key,
        workshop=workshop,
        level=level,
        context=context,
    )
