"""Signed-in sessions for the load generator, made the way the test client makes them.

``Client.force_login`` writes a session to the session store as a real sign-in does; allauth's record
of how the user signed in (the password, then the TOTP second factor when the user has one) is added,
as allauth adds it when the code is entered. The load generator sends the session's key as a cookie.
Needs Django set up (the settings of the server the cookie is for).
"""

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest
from django.test import Client


def session_cookie_for(user):
    """``(cookie name, session key)`` of a new session in which ``user`` is signed in, second factor done."""
    client = Client()
    client.force_login(user)
    request = HttpRequest()
    request.session = client.session  # a new SessionStore of the session force_login saved
    request.user = user
    record_authentication(request, user, "password", email=user.email)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        record_authentication(request, user, "mfa", id=totp.pk, type=totp.type)
    request.session.save()
    return settings.SESSION_COOKIE_NAME, request.session.session_key


def cookie_header(name, value):
    return f"{name}={value}"
