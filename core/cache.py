"""Django's Redis cache, answering as a miss while Redis is away.

Parley keeps nothing in the cache that it cannot do without: sessions are also in the database
(``cached_db``), rate-limit counters start again. So when Redis is down a page should still answer,
quickly, rather than fail: every call is a miss (reads) or a no-op (writes), logged once, and for a few
seconds after a failure Redis is not asked at all, so that no page waits on the connect timeout twice.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 5.0


class ForgivingRedisCache(RedisCache):
    _down_until = 0.0

    def _call(self, method, fallback, *args, **kwargs):
        import redis

        if time.monotonic() < self._down_until:
            return fallback
        try:
            return method(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            if not self._down_until:
                logger.warning("Cache: Redis unreachable (%s); answering without it", type(error).__name__)
            type(self)._down_until = time.monotonic() + PAUSE_SECONDS
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, False, key, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, None, keys, version)
