"""Rate limits for anonymous clients and for authenticated ones (tokens or sessions).

DRF's throttles copy the rates when the module is imported, so a changed setting (a test's
override, say) would be ignored; these read them on each request.

The counts live in the cache, shared by every web process when it is a server (CACHE_URL).
While that server is out of reach each process counts in its own memory: the limits hold
per process (looser, but still limits) and no request fails for want of the cache.
"""

from django.core.cache.backends.locmem import LocMemCache
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from apps.core.caching import through_cache

# This process's counts while the shared cache is out of reach.
COUNTS_DURING_OUTAGE = LocMemCache("api-throttle-counts-during-cache-outage", {})


class _LiveRates(SimpleRateThrottle):
    scope: str  # named by each throttle below

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        return through_cache(
            lambda: super(_LiveRates, self).allow_request(request, view),
            lambda: self._allow_counted_here(request, view),
        )

    def _allow_counted_here(self, request, view) -> bool:
        self.cache = COUNTS_DURING_OUTAGE
        return super().allow_request(request, view)


class AnonThrottle(_LiveRates, AnonRateThrottle):
    scope = "anon"


class UserThrottle(_LiveRates, UserRateThrottle):
    scope = "user"
