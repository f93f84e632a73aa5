"""Error pages keep the layout and always offer a way back; a hidden record looks like a missing one."""

import re

import pytest

from core.levels import Level

from . import factories as f

pytestmark = pytest.mark.django_db


def without_csrf(content):
    return re.sub(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", content)


def test_a_hidden_initiative_and_a_missing_one_give_the_same_page(client, staff):
    hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    client.force_login(staff)
    hidden_response = client.get(hidden.get_absolute_url())
    missing_response = client.get(f"/initiatives/{hidden.pk + 1000}/")
    assert hidden_response.status_code == missing_response.status_code == 404
    # Identical but for the per-response masking of the CSRF token and the path asked for.
    hidden_page = without_csrf(hidden_response.content).replace(hidden.get_absolute_url().encode(), b"PATH")
    missing_page = without_csrf(missing_response.content).replace(f"/initiatives/{hidden.pk + 1000}/".encode(), b"PATH")
    assert hidden_page == missing_page
    assert hidden.title.encode() not in hidden_response.content


def test_the_not_found_page_offers_a_way_back(client, staff):
    client.force_login(staff)
    response = client.get("/initiatives/999999/")
    assert response.status_code == 404
    assert b'href="/"' in response.content
    assert b"Not found" in response.content


def test_the_forbidden_page_offers_a_way_back(client, facilitator_user):
    client.force_login(facilitator_user)
    response = client.get("/initiatives/new/")
    assert response.status_code == 403
    assert b'href="/"' in response.content


def test_the_server_error_page_renders_without_a_request_context():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Something went wrong" in html
    assert 'href="/"' in html
