"""The action item's done-link page sends no referrer, so a browser posts its form with ``Origin: null``
and no ``Referer``: the answer must still be taken, as the signed token in the address is the proof (found
in Chromium: the CSRF check refused the form with 403; the RSVP page's twin is in test_rsvp.py)."""

import pytest
from django.test import Client

from facilitators import action_links
from facilitators.models import ActionItem

from . import factories as f

pytestmark = pytest.mark.django_db


def test_an_owner_marks_an_action_done_from_the_link_page_that_sends_no_referrer():
    browser = Client(enforce_csrf_checks=True, HTTP_ORIGIN="null")  # as on a page with no-referrer
    item = f.ActionItemFactory(owner_participant=f.ParticipantFactory())

    response = browser.post(action_links.done_path(item))

    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == ActionItem.Status.DONE


def test_the_language_can_be_chosen_from_a_page_that_sends_no_referrer():
    """The footer's language form of the signed-link pages posts with ``Origin: null`` too."""
    browser = Client(enforce_csrf_checks=True, HTTP_ORIGIN="null")

    response = browser.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "fr"
