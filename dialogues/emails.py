"""The e-mails about a workshop that a participant receives: the invitation, updates, reminders and the
confirmation of their answer, each with an HTML and a plain-text part in the participant's language,
and (where it helps) an ``.ics`` calendar entry.

``invitation_email`` is called by the outbox at sending time (``dialogues/messages.py``), so the message
always shows the workshop as it is when it leaves, and composes nothing that is not sent.

What a message may say where:
- the subject line is seen in inbox lists, notifications and mail logs: for CONFIDENTIAL and higher
  workshops it names the initiative's codename only, never the title, the place or the party;
- the ``.ics`` entry is synced to calendars we do not control: for CONFIDENTIAL and higher its summary
  is the codename and it has no location;
- the body, read by the participant, gives the details;
- the RSVP link is the one secret of the message: it appears in the body only, never in the subject or
  the calendar entry.
"""

import datetime as dt
import functools
import hashlib
import zoneinfo
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEText
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.fields import language_names
from core.levels import Level

SUBJECT_PREFIX = "[Parley] "

INVITATION = "invitation"
RESCHEDULED = "workshop_rescheduled"
CANCELLED = "workshop_cancelled"
REMINDER_BEFORE = "reminder_before"
REMINDER_CHASE = "reminder_chase"
RSVP_CONFIRMATION = "rsvp_confirmation"
KINDS = (INVITATION, RESCHEDULED, CANCELLED, REMINDER_BEFORE, REMINDER_CHASE, RSVP_CONFIRMATION)

# The kinds whose body carries the RSVP link (when the caller has one): a cancelled workshop has
# nothing left to answer.
RSVP_KINDS = frozenset({INVITATION, RESCHEDULED, REMINDER_BEFORE, REMINDER_CHASE, RSVP_CONFIRMATION})

HTML_TEMPLATE = "dialogues/email/workshop_message.html"
TEXT_TEMPLATE = "dialogues/email/workshop_message.txt"


def invitation_email(invitation, *, kind, data, rsvp_url, key):
    """The e-mail of one outbox message about ``invitation`` (loaded with its workshop, initiative,
    participant and party), ready to send.

    ``kind`` is one of ``KINDS``; ``data`` the message's data (``{"sequence": n}`` for an update or a
    cancellation, ``{"days": n}`` for a reminder before the workshop, ``{"number": n}`` for a chase,
    ``{"accepted": bool}`` for a confirmation); ``rsvp_url`` the participant's link to answer, or
    ``None``; ``key`` the outbox key, from which the Message-ID is made, so that a resent copy is
    recognisably the same message.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of invitation e-mail: {kind!r}")
    data = data or {}
    workshop = invitation.workshop
    participant = invitation.participant
    confidential = workshop.effective_level >= Level.CONFIDENTIAL
    if kind not in RSVP_KINDS:
        rsvp_url = None
    sequence = int(data.get("sequence", workshop.calendar_sequence))
    calendar_method = _calendar_method(kind, data)

    with translation.override(participant.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "kind": kind,
            "invitation": invitation,
            "workshop": workshop,
            "initiative": workshop.initiative,
            "participant": participant,
            "party": invitation.party,
            "confidential": confidential,
            "languages": language_names(workshop.languages),
            "interpretation_language": invitation.get_interpretation_language_display(),
            "rsvp_url": rsvp_url,
            "days": data.get("days"),
            "chase_number": data.get("number"),
            "accepted": bool(data.get("accepted")),
            "has_calendar": calendar_method is not None,
            "language_code": translation.get_language(),
            "language_bidi": translation.get_language_bidi(),
        }
        subject = _subject(kind, data, workshop, confidential)
        text = get_template(TEXT_TEMPLATE).render(context)
        html = get_template(HTML_TEMPLATE).render(context)

    domain = _from_domain()
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[participant.email],
        headers={
            "Message-ID": f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>",
            "Content-Language": context["language_code"],
            # Written by Parley, not by a person: out-of-office replies are not sent back (RFC 3834).
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    if calendar_method is not None:
        email.attach(_calendar_attachment(invitation, kind, calendar_method, sequence, confidential, domain))
    return email


def _subject(kind, data, workshop, confidential):
    """The subject line: the initiative's codename for CONFIDENTIAL and higher workshops (nothing that
    says what, where or with whom), the workshop's title below that."""
    name = workshop.initiative.codename if confidential else workshop.title
    name = " ".join(name.split())  # a header is one line
    if kind == INVITATION:
        subject = _("Invitation — %(name)s")
    elif kind == RESCHEDULED:
        subject = _("New date or place — %(name)s")
    elif kind == CANCELLED:
        subject = _("Cancelled — %(name)s")
    elif kind == REMINDER_BEFORE:
        subject = ngettext("Reminder: %(name)s in %(days)s day", "Reminder: %(name)s in %(days)s days", data["days"])
    elif kind == REMINDER_CHASE:
        subject = _("Your answer is awaited — %(name)s")
    elif data.get("accepted"):
        subject = _("You accepted — %(name)s")
    else:
        subject = _("You declined — %(name)s")
    return SUBJECT_PREFIX + subject % {"name": name, "days": data.get("days")}


def _calendar_method(kind, data):
    """The iTIP method of the message's calendar entry, or ``None`` for a message without one (the
    reminders: the entry came with the invitation; a declined answer: nothing to put in a calendar)."""
    if kind in (INVITATION, RESCHEDULED) or (kind == RSVP_CONFIRMATION and data.get("accepted")):
        return "REQUEST"
    if kind == CANCELLED:
        return "CANCEL"
    return None


def _calendar_attachment(invitation, kind, method, sequence, confidential, domain):
    workshop = invitation.workshop
    start = workshop.starts_at.astimezone(workshop.zone)
    end = workshop.ends_at.astimezone(workshop.zone)

    event = icalendar.Event()
    # One entry per workshop and participant, the same UID in every message about it: calendar
    # programs update the entry in place (a higher SEQUENCE wins) instead of adding another.
    event.add("uid", f"workshop-{workshop.pk}-invitation-{invitation.pk}@{domain}")
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    if confidential:
        # Calendar entries are synced to servers and devices we do not control (work calendars shared
        # with colleagues, phone backups): for CONFIDENTIAL and higher workshops the entry says neither
        # what nor where, only the initiative's codename. The e-mail body has the details.
        event.add("summary", workshop.initiative.codename)
        event.add("class", "CONFIDENTIAL")
    else:
        event.add("summary", workshop.title)
        location = ", ".join(part for part in (workshop.venue, workshop.city, workshop.country.name) if part)
        if location:
            event.add("location", location)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer_name, organizer_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    event.add("organizer", f"mailto:{organizer_address}", parameters={"CN": organizer_name or "Parley"})
    attendee = {"ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"}  # answers go through the RSVP page, not iTIP
    attendee["PARTSTAT"] = "ACCEPTED" if kind == RSVP_CONFIRMATION else "NEEDS-ACTION"
    if not confidential:
        attendee["CN"] = invitation.participant.full_name
    event.add("attendee", f"mailto:{invitation.participant.email}", parameters=attendee)

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Parley//Workshops//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(event)
    # The VTIMEZONE goes before the event that refers to it, as serialised text: serialising its
    # dozen lines again for every message would double the cost of an invitation.
    ics = calendar.to_ical().replace(
        b"BEGIN:VEVENT", _vtimezone(workshop.time_zone, start.year, end.year) + b"BEGIN:VEVENT", 1
    )

    attachment = SafeMIMEText(ics.decode(), "calendar", "utf-8")
    attachment.set_param("method", method)
    attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return attachment


@functools.lru_cache(maxsize=256)
def _vtimezone(zone_name, first_year, last_year):
    """The VTIMEZONE of a zone over the years of a workshop (one year either side), serialised: made
    once per zone and years, as the thousands of invitations to one workshop share it."""
    return icalendar.Timezone.from_tzinfo(
        zoneinfo.ZoneInfo(zone_name),
        tzid=zone_name,
        first_date=dt.date(max(first_year - 1, 1), 1, 1),
        last_date=dt.date(last_year + 2, 1, 1),
    ).to_ical()


def _from_domain():
    """The domain of the sender's address: Message-IDs and calendar UIDs are made on it."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "parley.invalid"
