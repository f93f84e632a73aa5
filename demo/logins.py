"""The demo's sign-ins: one account per role, all with the printed password, and a TOTP authenticator
with a printed secret for those who must use a second factor. Shared by every copy of the data set.

Accounts are created by ``accounts.services.user_create``, as an admin creates them on the accounts
page. Two steps are the demo's own, because in a real installation nobody but the owner takes them:
setting the password (``demo_password_set``) and enrolling the authenticator (allauth's ``TOTP.activate``).
The very first account, the demo admin, has nobody to create it and is made as an operator's
command would make it (``first_admin_create``).
"""

import functools
import random

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password

from accounts.models import User
from accounts.services import user_confirm_email_after_password_set, user_create
from facilitators.models import Facilitator
from facilitators.services import facilitator_create

from .plans import (
    ADMIN,
    CULTURES,
    DEMO_PASSWORD,
    FACILITATOR,
    FACILITATOR_PROFILE,
    PARTICIPANT,
    RETIRED_TOTP_SECRETS,
    USERS,
    DemoUser,
)


@functools.cache
def demo_password_hash():
    """One hash for every demo account: the password is public anyway, and each hash costs ~0.2 s."""
    return make_password(DEMO_PASSWORD)


def first_admin_create(spec):
    """The demo admin, the installation's first account: ``user_create`` asks for an admin to create an
    account, and there is none yet. Made with the user manager, as ``createsuperuser`` makes an
    operator's account, but as a plain admin; its address is recorded unconfirmed, as by ``user_create``."""
    user = User.objects.create_user(
        email=spec.email,
        full_name=spec.full_name,
        role=spec.role,
        clearance=spec.clearance,
        is_staff=spec.is_staff,
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    return user


def demo_password_set(user):
    """What each owner does after their invitation, done by the demo: set the printed password."""
    user.password = demo_password_hash()
    user.save(update_fields=["password"])
    user_confirm_email_after_password_set(user=user)


def demo_login_create(spec, *, admin):
    if admin is None:
        user = first_admin_create(spec)
    else:
        user = user_create(
            by=admin,
            email=spec.email,
            full_name=spec.full_name,
            role=spec.role,
            clearance=spec.clearance,
            is_staff=spec.is_staff,
        )
    demo_password_set(user)
    return user


def upgrade_older_demo_account(user, spec):
    """Correct once what older versions of the demo wrote: a demo admin that was a superuser, and 80-bit
    TOTP secrets (removed here; ``seed_logins`` enrols the printed secret in their place)."""
    if user.is_superuser:
        user.is_superuser = False
        user.save(update_fields=["is_superuser"])
    retired = RETIRED_TOTP_SECRETS.get(spec.email)
    if retired:
        for authenticator in Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP):
            if authenticator.data.get("secret") == retired:
                authenticator.delete()


def seed_logins(result):
    """The demo accounts by e-mail, created where missing; ``result`` gets them and the TOTP printout."""
    users = {}
    for spec in USERS:  # the admin comes first: it creates the others
        user = User.objects.filter(email=spec.email).first()
        if user is None:
            user = demo_login_create(spec, admin=users.get(ADMIN))
        else:
            upgrade_older_demo_account(user, spec)
        if spec.totp_secret:
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, spec.totp_secret)
            uri = get_mfa_adapter().build_totp_url(user, spec.totp_secret)
            result.totp.append((user.email, spec.totp_secret, uri))
        users[spec.email] = user
        result.users.append(user)
    if not Facilitator.objects.filter(user=users[FACILITATOR]).exists():
        facilitator_create(user=users[FACILITATOR], **FACILITATOR_PROFILE)
    return users


def team_member(spec, team):
    """The colleague who holds ``spec``'s place in team ``team`` (2, 3 …): same role and clearance, a name of
    their own, an address such as lead-team2@parley.test, and no second factor enrolled."""
    rng = random.Random(f"parley-demo-team-{team}-{spec.email}")
    _countries, _languages, women, men, surnames = CULTURES[rng.choice(sorted(CULTURES))]
    local, domain = spec.email.split("@")
    return DemoUser(
        f"{local}-team{team}@{domain}",
        f"{rng.choice(rng.choice([women, men]))} {rng.choice(surnames)}",
        spec.role,
        spec.clearance,
        spec.is_staff,
    )


def seed_team(team, *, users):
    """The sign-ins that run the copies of team ``team`` (see ``demo.plans.PORTFOLIO``), by the demo e-mail
    whose place each takes, created where missing. Team 1 is the demo's own; the admin and the participant
    account are the installation's, shared by every team."""
    if team == 1:
        return users
    members = {spec.email: team_member(spec, team) for spec in USERS if spec.email not in (ADMIN, PARTICIPANT)}
    found = {user.email: user for user in User.objects.filter(email__in=[m.email for m in members.values()])}
    team_users = dict(users)
    for email, member in members.items():
        user = found.get(member.email)
        if user is None:
            user = demo_login_create(member, admin=users[ADMIN])
        team_users[email] = user
    facilitator = team_users[FACILITATOR]
    if not Facilitator.objects.filter(user=facilitator).exists():
        facilitator_create(user=facilitator, **FACILITATOR_PROFILE)
    return team_users
