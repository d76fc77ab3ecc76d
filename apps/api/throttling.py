"""Rate limits for anonymous clients and for authenticated ones (tokens or sessions).

DRF's throttles copy the rates when the module is imported, so a changed setting (a test's
override, say) would be ignored; these read them on each request.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class _LiveRates(SimpleRateThrottle):
    scope: str  # named by each throttle below

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_LiveRates, AnonRateThrottle):
    scope = "anon"


class UserThrottle(_LiveRates, UserRateThrottle):
    scope = "user"
