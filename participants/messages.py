"""The messages the participants app sends through the outbox (``core.outbox``): each admin's weekly vetting
digest (issue 16).

A digest is written by ``services.vetting_digest_enqueue`` once per admin and ISO week, about one case the
digest names (who may see that case may see the message's row on the outbox page: admins alone), and
composed when it is sent, from the cases as they are then: an admin no longer cleared, or a digest that
has emptied meanwhile, means the message is not sent.

What the e-mail may say: e-mail leaves Parley, so people are named by their codename (or "Participant n")
wherever their identity is protected, their involvement itself is confidential, or their risk is high;
the subject says numbers only. The links lead to the case pages, which ask for sign-in.
"""

import hashlib
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import outbox
from core.levels import Level

from .models import VettingCase
from .vetting_selectors import vetting_can_work, vetting_digest_for

DIGEST = "vetting_digest"
SUBJECT_PREFIX = "[Parley] "
TEXT_TEMPLATE = "participants/vetting_digest_email.txt"
HTML_TEMPLATE = "participants/vetting_digest_email.html"


def emailed_name(participant):
    """How an e-mail names a participant: the name only of a person whose identity the reader may see, at
    low or medium risk, whose involvement is not itself confidential; otherwise the cover name."""
    if participant.identity_visible and not participant.is_high_risk and participant.level < Level.CONFIDENTIAL:
        return participant.full_name
    return str(participant.cover_name)


def _case_url(case):
    return settings.PARLEY_SITE_URL + reverse("participants:vetting-case", args=[case.pk])


def _from_domain():
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "parley.invalid"


def digest_email(admin, digest, *, week, key):
    """The digest e-mail to ``admin`` (``vetting_selectors.VettingDigest``), in their language."""
    for case in [*digest.expiring, *digest.waiting]:
        case.emailed_name = emailed_name(case.participant)
        case.url = _case_url(case)
    with translation.override(admin.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "admin": admin,
            "digest": digest,
            "week": week,
            "queue_url": settings.PARLEY_SITE_URL + reverse("participants:vetting-queue"),
            "language_code": translation.get_language(),
            "language_bidi": translation.get_language_bidi(),
        }
        subject = SUBJECT_PREFIX + _(
            "Vetting digest %(week)s: approvals expiring %(expiring)s, cases waiting %(waiting)s"
        ) % {"week": week, "expiring": digest.expiring_count, "waiting": digest.waiting_count}
        text = get_template(TEXT_TEMPLATE).render(context)
        html = get_template(HTML_TEMPLATE).render(context)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[admin.email],
        headers={
            "Message-ID": f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{_from_domain()}>",
            "Content-Language": context["language_code"],
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def compose(message, case):
    """The digest as it stands at sending time, or ``None`` (not sent): the admin gone, no longer cleared for
    vetting, without an address, or nothing left to tell."""
    data = message.data or {}
    admin = get_user_model()._default_manager.filter(pk=data.get("admin")).first()
    if admin is None or not vetting_can_work(admin) or not admin.email:
        return None
    digest = vetting_digest_for(admin)
    if digest.empty:
        return None
    return digest_email(admin, digest, week=data.get("week", ""), key=message.key)


def describe(ids, user):
    """For the outbox page: the digest, linked to the queue (the message's case is only its anchor)."""
    visible = VettingCase.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    return {
        pk: outbox.Described(about=_("Weekly vetting digest"), url=reverse("participants:vetting-queue"))
        for pk in visible
    }


def register_kinds():
    outbox.register(
        outbox.Kind(
            name=DIGEST,
            model=VettingCase,
            compose=compose,
            label=gettext_lazy("Vetting digest"),
            describe=describe,
        )
    )
