import pytest
from allauth.mfa.models import Authenticator

from core.levels import Level, Role

from . import factories
from .celery_worker import celery, private_redis, redis_server  # noqa: F401  (fixtures)
from .smtp_server import smtp_server, smtp_server_session  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _clear_cache(settings):
    """Rate-limit counters live in the real Redis cache; each test starts with none of its own.

    Only this process's keys are deleted (FLUSHDB would wipe the counters of a parallel worker).
    """
    from django.core.cache import cache

    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    client = cache._cache.get_client(None, write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    yield


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 160 bits, as RFC 4226 recommends


def with_totp(user):
    """Give a user a TOTP authenticator so the MFA requirement is met."""
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET})
    return user


@pytest.fixture
def make_user(db):
    def make(role=Role.STAFF, clearance=Level.INTERNAL, **kwargs):
        user = factories.UserFactory(role=role, clearance=clearance, **kwargs)
        if user.must_use_mfa:
            with_totp(user)
        return user

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, is_staff=True)


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, Level.INTERNAL)


@pytest.fixture
def cleared_staff(make_user):
    return make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)


@pytest.fixture
def facilitator_user(make_user):
    user = make_user(Role.FACILITATOR, Level.CONFIDENTIAL)
    factories.FacilitatorFactory(user=user)
    return user


@pytest.fixture
def participant_user(make_user):
    return make_user(Role.PARTICIPANT, Level.CONFIDENTIAL)


@pytest.fixture
def observer(make_user):
    return make_user(Role.OBSERVER, Level.STRICTLY_CONFIDENTIAL)
