"""The signed RSVP link: an invitee answers without a password (issue 14).

The link opens a page showing what the invitation e-mail shows; answering stores the answer and the
logistics needs, writes the confirmation to the outbox in the same transaction and spends the link. A
tampered, expired, spent or closed link gets a clear page that reveals nothing of the invitation.
"""

import datetime as dt
import time

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from dialogues import rsvp, services
from dialogues.models import Invitation, Workshop

from . import factories as f

pytestmark = pytest.mark.django_db

TITLE = "Lakeside water roundtable"
NAME = "Amira Haddad"


@pytest.fixture
def invitation():
    start = timezone.now() + dt.timedelta(days=20)
    workshop = f.WorkshopFactory(
        title=TITLE,
        city="Oslo",
        country="NO",
        time_zone="Asia/Tokyo",
        starts_at=start.replace(hour=0, minute=0, second=0, microsecond=0),
        ends_at=start + dt.timedelta(days=2),
        initiative=f.InitiativeFactory(codename="HERON"),
    )
    party = f.PartyFactory(initiative=workshop.initiative, name="Upstream delegation")
    participant = f.ParticipantFactory(full_name=NAME, email="amira@example.org")
    return f.InvitationFactory(workshop=workshop, participant=participant, party=party, status=Invitation.Status.SENT)


@pytest.fixture
def browser():
    """The invitee's browser: no account, and CSRF checked as in production."""
    return Client(enforce_csrf_checks=True)


def answer(browser, url, **fields):
    """Open the page (which sets the CSRF cookie) and send the form."""
    page = browser.get(url)
    assert page.status_code == 200
    data = {"csrfmiddlewaretoken": page.context["csrf_token"], **fields}
    return browser.post(url, data)


def reveals_nothing(response):
    page = response.content.decode()
    return all(secret not in page for secret in (TITLE, NAME, "HERON", "Upstream delegation", "Oslo"))


def fresh(invitation):
    invitation.refresh_from_db()
    return rsvp.rsvp_path(invitation)


def signed_days_ago(invitation, days, monkeypatch):
    then = time.time() - days * 86400
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: then)
        return rsvp.rsvp_path(invitation)


# --- the page ------------------------------------------------------------------------------------


def test_the_link_is_absolute_on_the_site_address(invitation, settings):
    settings.PARLEY_SITE_URL = "https://parley.example.org"
    url = rsvp.rsvp_url(invitation)
    assert url.startswith("https://parley.example.org/rsvp/")
    assert rsvp.invitation_for_rsvp(url.rsplit("/", 2)[1]) == invitation


def test_the_link_opens_the_invitation_without_signing_in(browser, invitation):
    response = browser.get(rsvp.rsvp_path(invitation))
    assert response.status_code == 200
    page = response.content.decode()
    assert TITLE in page
    assert "Upstream delegation" in page
    assert "HERON" in page
    assert "Oslo" in page
    assert "Asia/Tokyo" in page  # the dates in the venue's time zone
    assert NAME not in page  # a forwarded link does not name the invitee
    assert 'name="answer"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_page_is_not_cached_and_sends_no_referrer(browser, invitation):
    response = browser.get(rsvp.rsvp_path(invitation))
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert '<meta name="referrer" content="no-referrer">' in response.content.decode()


def test_the_page_shows_no_navigation_that_needs_signing_in(browser, invitation):
    page = browser.get(rsvp.rsvp_path(invitation)).content.decode()
    assert "Sign out" not in page
    assert "/initiatives/" not in page
    assert 'aria-label="Breadcrumb"' not in page


def test_the_page_speaks_the_invitees_language(browser, invitation):
    invitation.participant.preferred_language = "fr"
    invitation.participant.save()
    page = browser.get(rsvp.rsvp_path(invitation)).content.decode()
    assert '<html lang="fr"' in page


def test_the_page_is_prefilled_with_the_answer_given(browser, invitation):
    services.invitation_respond(invitation=invitation, accepted=True, dietary_requirements="Vegetarian")
    response = browser.get(fresh(invitation))
    form = response.context["form"]
    assert form.initial["answer"] == "accept"
    assert form.initial["dietary_requirements"] == "Vegetarian"
    assert "You have accepted this invitation." in response.content.decode()


def test_the_page_queries_do_not_grow(browser, invitation, django_assert_num_queries):
    url = rsvp.rsvp_path(invitation)
    for _ in range(5):
        f.InvitationFactory(workshop=invitation.workshop, party=invitation.party)
    with django_assert_num_queries(1):  # the invitation with its workshop, initiative, party and person
        assert browser.get(url).status_code == 200


# --- answering -----------------------------------------------------------------------------------


def test_accepting_stores_the_answer_and_the_needs(browser, invitation):
    response = answer(
        browser,
        rsvp.rsvp_path(invitation),
        answer="accept",
        needs_visa_letter="on",
        needs_travel_support="on",
        dietary_requirements="Halal",
        interpretation_language="ar",
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.responded_at is not None
    assert invitation.needs_visa_letter
    assert invitation.needs_travel_support
    assert invitation.dietary_requirements == "Halal"
    assert invitation.interpretation_language == "ar"
    assert invitation.needs_interpretation


def test_after_answering_a_thank_you_page_says_a_confirmation_is_coming(browser, invitation):
    response = answer(browser, rsvp.rsvp_path(invitation), answer="accept")
    thanks = browser.get(response["Location"])
    assert thanks.status_code == 200
    page = thanks.content.decode()
    assert "you have accepted" in page
    assert "A confirmation is on its way to your e-mail address" in page


def test_answering_writes_the_confirmation_to_the_outbox(browser, invitation):
    answer(browser, rsvp.rsvp_path(invitation), answer="decline")
    invitation.refresh_from_db()
    message = OutboxMessage.objects.get(kind="rsvp_confirmation")
    assert message.object_id == invitation.pk
    assert message.key == f"rsvp_confirmation:{invitation.pk}:{invitation.token_sequence}"
    assert message.data == {"accepted": False}


def test_the_confirmation_is_written_in_the_answers_transaction(invitation, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(outbox, "enqueue", broken)
    with pytest.raises(RuntimeError):
        services.invitation_respond(invitation=invitation, accepted=True)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT  # no answer without its confirmation
    assert invitation.token_sequence == 0


def test_a_decline_keeps_no_logistics_needs(invitation):
    services.invitation_respond(invitation=invitation, accepted=True, needs_visa_letter=True, dietary_requirements="x")
    services.invitation_respond(invitation=invitation, accepted=False, needs_visa_letter=True, dietary_requirements="x")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert not invitation.needs_visa_letter
    assert invitation.dietary_requirements == ""


def test_the_used_link_is_spent(browser, invitation):
    url = rsvp.rsvp_path(invitation)
    answer(browser, url, answer="accept")
    response = browser.get(url)
    assert response.status_code == 410
    assert "This link has been used already" in response.content.decode()
    assert reveals_nothing(response)


def test_a_used_link_cannot_answer_again(browser, invitation):
    url = rsvp.rsvp_path(invitation)
    page = browser.get(url)
    services.invitation_respond(invitation=invitation, accepted=True)  # answered meanwhile, e.g. in another tab
    response = browser.post(url, {"csrfmiddlewaretoken": page.context["csrf_token"], "answer": "decline"})
    assert response.status_code == 410
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED


def test_a_fresh_link_changes_the_answer(browser, invitation):
    answer(browser, rsvp.rsvp_path(invitation), answer="accept", needs_visa_letter="on")
    answer(browser, fresh(invitation), answer="decline")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    answer(browser, fresh(invitation), answer="accept")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    confirmations = OutboxMessage.objects.filter(kind="rsvp_confirmation", object_id=invitation.pk)
    assert [message.data["accepted"] for message in confirmations.order_by("pk")] == [True, False, True]


def test_the_redirect_after_answering_is_the_fresh_link(browser, invitation):
    response = answer(browser, rsvp.rsvp_path(invitation), answer="accept")
    assert response["Location"] == fresh(invitation)


def test_the_signed_token_is_the_proof_not_a_csrf_cookie(browser, invitation):
    """The page sends no referrer, so a browser posts its form with "Origin: null", which the CSRF check
    refuses whatever the token (found in Chromium); the signed token in the address is the credential."""
    response = browser.post(rsvp.rsvp_path(invitation), {"answer": "accept"}, HTTP_ORIGIN="null")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED


# --- refused links -------------------------------------------------------------------------------


def test_a_tampered_link_gets_a_clear_page(browser, invitation):
    token = rsvp.rsvp_token(invitation)
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = browser.get(f"/rsvp/{changed}/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "This link is not valid" in page
    assert "new link" in page
    assert reveals_nothing(response)
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_link_signed_for_something_else_is_refused(browser, invitation):
    token = signing.dumps([invitation.pk, invitation.token_sequence], salt="another.purpose")
    assert browser.get(f"/rsvp/{token}/").status_code == 400


def test_a_link_to_a_deleted_invitation_looks_tampered(browser, invitation):
    url = rsvp.rsvp_path(invitation)
    invitation.delete()
    response = browser.get(url)
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()


def test_an_expired_link_gets_a_clear_page(browser, invitation, monkeypatch, settings):
    url = signed_days_ago(invitation, settings.PARLEY_RSVP_MAX_AGE_DAYS + 1, monkeypatch)
    response = browser.get(url)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert reveals_nothing(response)


def test_a_link_just_within_its_age_works(browser, invitation, monkeypatch, settings):
    url = signed_days_ago(invitation, settings.PARLEY_RSVP_MAX_AGE_DAYS - 1, monkeypatch)
    assert browser.get(url).status_code == 200


def started(invitation):
    Workshop.objects.filter(pk=invitation.workshop_id).update(starts_at=timezone.now() - dt.timedelta(hours=1))


def cancelled(invitation):
    Workshop.objects.filter(pk=invitation.workshop_id).update(status=Workshop.Status.CANCELLED)


def held(invitation):
    Workshop.objects.filter(pk=invitation.workshop_id).update(status=Workshop.Status.HELD)


def withdrawn(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.WITHDRAWN)


CLOSINGS = [started, cancelled, held, withdrawn]


@pytest.mark.parametrize("close", CLOSINGS, ids=lambda close: close.__name__)
def test_a_closed_invitation_gets_a_clear_page(browser, invitation, close):
    url = rsvp.rsvp_path(invitation)
    close(invitation)
    response = browser.get(url)
    assert response.status_code == 410
    assert "Answering is closed" in response.content.decode()
    assert reveals_nothing(response)


@pytest.mark.parametrize("close", CLOSINGS, ids=lambda close: close.__name__)
def test_a_closed_invitation_takes_no_answer(browser, invitation, close):
    url = rsvp.rsvp_path(invitation)
    page = browser.get(url)
    close(invitation)
    response = browser.post(url, {"csrfmiddlewaretoken": page.context["csrf_token"], "answer": "accept"})
    assert response.status_code == 410
    assert not OutboxMessage.objects.filter(kind="rsvp_confirmation").exists()


@pytest.mark.parametrize("close", CLOSINGS, ids=lambda close: close.__name__)
def test_the_service_refuses_a_closed_invitation(invitation, close):
    close(invitation)
    with pytest.raises(ValidationError, match="closed"):
        services.invitation_respond(invitation=invitation, accepted=True)


def test_the_service_refuses_an_answer_from_a_spent_link(invitation):
    services.invitation_respond(invitation=invitation, accepted=True, sequence=0)
    with pytest.raises(ValidationError, match="used already"):
        services.invitation_respond(invitation=invitation, accepted=False, sequence=0)


def test_a_draft_invitation_cannot_be_answered(browser, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.DRAFT)
    assert browser.get(rsvp.rsvp_path(invitation)).status_code == 410


# --- hostile input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["x" * 5000, "a%00b", "%E2%80%AE", "..", "e30:1:x", "W10:1tXXXX:abc", "WzEsMl0:::", "%FF%FE"],
    ids=["5000-chars", "nul", "rtl-mark", "dots", "empty-object", "empty-list", "colons", "bad-utf8"],
)
def test_a_hostile_token_gets_the_clear_page_never_a_server_error(browser, token):
    browser.raise_request_exception = False
    response = browser.get(f"/rsvp/{token}/")
    assert response.status_code in (400, 404)


@pytest.mark.parametrize(
    "payload",
    [[1], [1, 2, 3], ["1", 0], [1.5, 0], [True, 0], [-1, 0], [2**40, 0], {"pk": 1}, None, "x"],
    ids=str,
)
def test_a_validly_signed_but_malformed_payload_is_refused(payload):
    with pytest.raises(rsvp.RsvpLinkTampered):
        rsvp.invitation_for_rsvp(signing.dumps(payload, salt=rsvp.SALT))


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"answer": "accept", "dietary_requirements": "x" * 10_000}, "dietary_requirements"),
        ({"answer": "accept", "interpretation_language": "xx"}, "interpretation_language"),
        ({"answer": "maybe"}, "answer"),
        ({}, "answer"),
    ],
    ids=["dietary-10k", "unknown-language", "unknown-answer", "no-answer"],
)
def test_a_hostile_answer_gets_a_form_error_and_stores_nothing(browser, invitation, fields, error_field):
    response = answer(browser, rsvp.rsvp_path(invitation), **fields)
    assert response.status_code == 200
    assert error_field in response.context["form"].errors
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT
    assert not OutboxMessage.objects.exists()


def test_a_nul_character_in_the_answer_is_refused(browser, invitation):
    response = answer(browser, rsvp.rsvp_path(invitation), answer="accept", dietary_requirements="a\x00b")
    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT


def test_the_service_refuses_an_unknown_interpretation_language(invitation):
    with pytest.raises(ValidationError) as refusal:
        services.invitation_respond(invitation=invitation, accepted=True, interpretation_language="xx")
    assert "interpretation_language" in refusal.value.message_dict
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT
