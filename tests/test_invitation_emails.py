"""The e-mails a participant receives about a workshop (``dialogues.emails.invitation_email``): both
parts in their language, a subject that gives nothing away for confidential workshops, a calendar
entry that real calendar programs update in place, and the RSVP link only where it belongs."""

import datetime as dt
import email
import email.policy

import icalendar
import pytest

from core.levels import Level
from dialogues.emails import KINDS, invitation_email
from dialogues.models import Invitation, Workshop

from . import factories

pytestmark = pytest.mark.django_db

RSVP_URL = "https://parley.example/rsvp/SECRET-TOKEN-123/"
START = dt.datetime(2027, 6, 15, 7, 30, tzinfo=dt.UTC)  # 09:30 in Geneva (summer time)
END = START + dt.timedelta(days=2, hours=8)

DATA = {
    "invitation": {},
    "workshop_rescheduled": {"sequence": 1},
    "workshop_cancelled": {"sequence": 2},
    "reminder_before": {"days": 7},
    "reminder_chase": {"number": 1},
    "rsvp_confirmation": {"accepted": True},
}
KINDS_WITH_LINK = ["invitation", "workshop_rescheduled", "reminder_before", "reminder_chase", "rsvp_confirmation"]


def make_invitation(level=Level.INTERNAL, language="en", title="Water sharing in the upper basin", **workshop):
    initiative = factories.InitiativeFactory(level=level, codename="MERIDIAN")
    workshop = factories.WorkshopFactory(
        initiative=initiative,
        level=level,
        title=title,
        venue="Hotel Beau-Rivage",
        city="Geneva",
        country="CH",
        time_zone="Europe/Zurich",
        starts_at=START,
        ends_at=END,
        languages=["en", "ar"],
        **workshop,
    )
    invitation = factories.InvitationFactory(
        workshop=workshop,
        participant=factories.ParticipantFactory(full_name="Amal Haddad", preferred_language=language),
        party=factories.PartyFactory(initiative=initiative, name="Northern Coalition"),
    )
    return load(invitation)


def load(invitation):
    """The invitation as the outbox reads it."""
    return Invitation.objects.select_related("workshop__initiative", "participant", "party").get(pk=invitation.pk)


def compose(invitation, kind, data=None, rsvp_url=RSVP_URL, key=None):
    return invitation_email(
        invitation,
        kind=kind,
        data=DATA[kind] if data is None else data,
        rsvp_url=rsvp_url,
        key=key or f"{kind}:{invitation.pk}",
    )


def parts(message):
    """The delivered message read back as a mail client would: subject, text, HTML and .ics parts."""
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    # Django folds a non-ASCII subject onto a continuation line; unfolded, it starts with that space.
    found = {"subject": str(parsed["Subject"]).strip(), "message": parsed, "ics": None, "ics_part": None}
    for part in parsed.walk():
        if part.get_content_type() == "text/plain":
            found["text"] = part.get_content()
        elif part.get_content_type() == "text/html":
            found["html"] = part.get_content()
        elif part.get_content_type() == "text/calendar":
            found["ics_part"] = part
            found["ics"] = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    return found


def event_of(calendar):
    [event] = calendar.events
    return event


# --- Both parts, every kind, in the participant's language


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_text_and_an_html_part_addressed_to_the_participant(kind):
    invitation = make_invitation()
    message = compose(invitation, kind)
    found = parts(message)
    assert message.to == [invitation.participant.email]
    assert found["subject"].startswith("[Parley] ")
    assert "Amal Haddad" in found["text"]
    assert "Amal Haddad" in found["html"]
    assert "Northern Coalition" in found["text"]  # the delegation, in the body
    assert found["html"].lstrip().startswith("<!DOCTYPE html>")


def test_composing_reads_nothing_more_from_the_database(django_assert_num_queries):
    invitation = make_invitation()
    with django_assert_num_queries(0):
        for kind in KINDS:
            compose(invitation, kind)


def test_the_times_are_given_at_the_venue_with_the_zone_name():
    found = parts(compose(make_invitation(), "invitation"))
    assert "15 Jun 2027, 09:30" in found["text"]
    assert "(Europe/Zurich)" in found["text"]
    assert "Hotel Beau-Rivage, Geneva, Switzerland" in found["text"]
    assert "English, Arabic" in found["text"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_french_speaker_gets_both_parts_in_french(kind):
    found = parts(compose(make_invitation(language="fr"), kind))
    assert '<html lang="fr" dir="ltr">' in found["html"]
    assert found["message"]["Content-Language"] == "fr"
    for body in (found["text"], found["html"]):
        assert "juin 2027" in body  # the date, in French
        assert "Suisse" in body  # the country's name, in French


@pytest.mark.parametrize("kind", KINDS)
def test_an_arabic_speaker_gets_both_parts_in_arabic_right_to_left(kind):
    found = parts(compose(make_invitation(language="ar"), kind))
    assert '<html lang="ar" dir="rtl">' in found["html"]
    assert found["message"]["Content-Language"] == "ar"
    for body in (found["text"], found["html"]):
        assert "سويسرا" in body  # Switzerland


def test_the_language_of_the_message_does_not_leak_into_the_caller():
    from django.utils import translation

    with translation.override("en"):
        compose(make_invitation(language="ar"), "invitation")
        assert translation.get_language() == "en"


# --- The subject line and the calendar entry of confidential workshops


@pytest.mark.parametrize("level", [Level.CONFIDENTIAL, Level.STRICTLY_CONFIDENTIAL])
@pytest.mark.parametrize("kind", KINDS)
def test_a_confidential_workshop_has_a_neutral_subject(level, kind):
    found = parts(compose(make_invitation(level=level), kind))
    assert "MERIDIAN" in found["subject"]
    for detail in ("Water sharing", "Hotel Beau-Rivage", "Geneva", "Switzerland", "Northern Coalition"):
        assert detail not in found["subject"]
    assert "Water sharing in the upper basin" in found["text"]  # the body has the details
    assert "Northern Coalition" in found["text"]


def test_a_confidential_workshop_invitation_subject_is_the_codename_alone():
    found = parts(compose(make_invitation(level=Level.CONFIDENTIAL), "invitation"))
    assert found["subject"] == "[Parley] Invitation — MERIDIAN"


def test_a_confidential_initiative_makes_its_workshop_subject_neutral():
    """The workshop's own level is below its initiative's: the higher one decides."""
    invitation = make_invitation(level=Level.CONFIDENTIAL)
    Workshop.objects.filter(pk=invitation.workshop_id).update(level=Level.INTERNAL)
    found = parts(compose(load(invitation), "invitation"))
    assert "Water sharing" not in found["subject"]


@pytest.mark.parametrize("level", [Level.CONFIDENTIAL, Level.STRICTLY_CONFIDENTIAL])
@pytest.mark.parametrize("kind", ["invitation", "workshop_rescheduled", "workshop_cancelled"])
def test_a_confidential_calendar_entry_names_the_codename_and_no_place(level, kind):
    found = parts(compose(make_invitation(level=level), kind))
    event = event_of(found["ics"])
    assert str(event["SUMMARY"]) == "MERIDIAN"
    assert "LOCATION" not in event
    ics = found["ics_part"].get_payload(decode=True).decode()
    for detail in ("Water sharing", "Beau-Rivage", "Geneva", "Switzerland", "Northern Coalition", "Amal Haddad"):
        assert detail not in ics


def test_an_internal_workshop_has_a_detailed_subject_and_calendar_entry():
    found = parts(compose(make_invitation(level=Level.INTERNAL), "invitation"))
    assert found["subject"] == "[Parley] Invitation — Water sharing in the upper basin"
    event = event_of(found["ics"])
    assert str(event["SUMMARY"]) == "Water sharing in the upper basin"
    assert str(event["LOCATION"]) == "Hotel Beau-Rivage, Geneva, Switzerland"


# --- The calendar entry


def test_the_invitation_carries_a_calendar_request_in_the_venues_zone():
    invitation = make_invitation()
    found = parts(compose(invitation, "invitation"))
    calendar = found["ics"]
    event = event_of(calendar)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event["UID"] == f"workshop-{invitation.workshop_id}-invitation-{invitation.pk}@parley.invalid"
    assert event["SEQUENCE"] == 0
    assert event["DTSTART"].params["TZID"] == "Europe/Zurich"
    assert event.start == START
    assert event.start.utcoffset() == dt.timedelta(hours=2)  # Geneva's summer time, from the VTIMEZONE
    assert event.end == END
    assert [zone.tz_name for zone in calendar.timezones] == ["Europe/Zurich"]
    assert str(event["ORGANIZER"]) == "mailto:no-reply@parley.invalid"
    assert str(event["ATTENDEE"]) == f"mailto:{invitation.participant.email}"
    assert "DTSTAMP" in event


def test_the_calendar_part_is_an_ics_attachment_with_its_method():
    part = parts(compose(make_invitation(), "invitation"))["ics_part"]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    assert part.get_filename() == "invite.ics"


def test_a_reschedule_updates_the_same_calendar_entry_with_a_higher_sequence():
    invitation = make_invitation()
    first = event_of(parts(compose(invitation, "invitation"))["ics"])
    Workshop.objects.filter(pk=invitation.workshop_id).update(
        starts_at=START + dt.timedelta(days=7), ends_at=END + dt.timedelta(days=7), calendar_sequence=1
    )
    update = parts(compose(load(invitation), "workshop_rescheduled", {"sequence": 1}))
    event = event_of(update["ics"])
    assert str(update["ics"]["METHOD"]) == "REQUEST"
    assert event["UID"] == first["UID"]
    assert event["SEQUENCE"] > first["SEQUENCE"]
    assert event.start == START + dt.timedelta(days=7)


def test_a_cancellation_cancels_the_calendar_entry():
    invitation = make_invitation()
    first = event_of(parts(compose(invitation, "invitation"))["ics"])
    found = parts(compose(invitation, "workshop_cancelled", {"sequence": 2}))
    event = event_of(found["ics"])
    assert str(found["ics"]["METHOD"]) == "CANCEL"
    assert found["ics_part"].get_param("method") == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["UID"] == first["UID"]
    assert event["SEQUENCE"] == 2


def test_the_sequence_defaults_to_the_workshops_calendar_revision():
    invitation = make_invitation(calendar_sequence=3)
    assert event_of(parts(compose(invitation, "invitation"))["ics"])["SEQUENCE"] == 3


def test_an_accepted_answer_is_confirmed_with_an_accepted_calendar_entry():
    found = parts(compose(make_invitation(), "rsvp_confirmation", {"accepted": True}))
    assert event_of(found["ics"])["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


@pytest.mark.parametrize(
    ("kind", "data"),
    [("reminder_before", {"days": 7}), ("reminder_chase", {"number": 2}), ("rsvp_confirmation", {"accepted": False})],
)
def test_reminders_and_a_declined_answer_carry_no_calendar_entry(kind, data):
    assert parts(compose(make_invitation(), kind, data))["ics"] is None


# --- Escaping


def test_a_title_with_markup_is_escaped_in_html_and_literal_in_text():
    title = "Talks <script>alert(1)</script> & more"
    found = parts(compose(make_invitation(title=title), "invitation"))
    assert "<script>" not in found["html"]
    assert "Talks &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in found["html"]
    assert title in found["text"]
    assert "&lt;" not in found["text"] and "&amp;" not in found["text"]
    assert found["subject"] == f"[Parley] Invitation — {title}"


def test_a_title_on_several_lines_makes_a_one_line_subject():
    found = parts(compose(make_invitation(title="Water\nsharing"), "invitation"))
    assert found["subject"] == "[Parley] Invitation — Water sharing"


# --- The RSVP link: the one secret of the message


@pytest.mark.parametrize("kind", KINDS_WITH_LINK)
def test_the_rsvp_link_is_in_both_parts_of_the_kinds_that_have_it(kind):
    found = parts(compose(make_invitation(), kind))
    assert RSVP_URL in found["text"]
    assert f'href="{RSVP_URL}"' in found["html"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_rsvp_link_is_never_in_the_subject_or_the_calendar_entry(kind):
    found = parts(compose(make_invitation(), kind))
    assert "SECRET-TOKEN" not in found["subject"]
    if found["ics_part"] is not None:
        assert "SECRET-TOKEN" not in found["ics_part"].get_payload(decode=True).decode()


def test_a_cancellation_has_no_rsvp_link_even_if_given_one():
    found = parts(compose(make_invitation(), "workshop_cancelled"))
    assert "SECRET-TOKEN" not in found["text"]
    assert "SECRET-TOKEN" not in found["html"]


def test_a_confirmation_after_closing_says_the_answer_can_no_longer_be_changed():
    found = parts(compose(make_invitation(), "rsvp_confirmation", {"accepted": False}, rsvp_url=None))
    assert "no longer be changed" in found["text"]
    assert "href=" not in found["html"]


def test_the_confirmation_repeats_the_needs_given():
    invitation = make_invitation()
    Invitation.objects.filter(pk=invitation.pk).update(
        needs_visa_letter=True, needs_interpretation=True, interpretation_language="fr", dietary_requirements="Halal"
    )
    found = parts(compose(load(invitation), "rsvp_confirmation", {"accepted": True}))
    assert "a visa letter" in found["text"]
    assert "interpretation into French" in found["text"]
    assert "Halal" in found["text"]


def test_the_last_chase_says_so():
    invitation = make_invitation()
    assert "last reminder" not in parts(compose(invitation, "reminder_chase", {"number": 1}))["text"]
    assert "last reminder" in parts(compose(invitation, "reminder_chase", {"number": 2}))["text"]


# --- Headers


def test_the_message_id_is_stable_for_a_key_so_a_resend_is_recognisable():
    invitation = make_invitation()
    first = compose(invitation, "invitation", key="invitation:1:0").message()["Message-ID"]
    again = compose(invitation, "invitation", key="invitation:1:0").message()["Message-ID"]
    other = compose(invitation, "invitation", key="invitation:1:1").message()["Message-ID"]
    assert first == again != other
    assert first.startswith("<") and first.endswith("@parley.invalid>")


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        invitation_email(make_invitation(), kind="newsletter", data={}, rsvp_url=None, key="k")
