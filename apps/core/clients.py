"""Who is asking: the client's address, behind as many proxies as settings.NUM_PROXIES says."""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """Return the client's IP address: REMOTE_ADDR with no proxy in front; behind
    NUM_PROXIES proxies, the X-Forwarded-For entry the outermost of them added.

    The rule is DRF's for NUM_PROXIES (the API's rate limits count the same address), so
    the login lockout, the rate limits and the request logs agree on who a client is. With
    NUM_PROXIES=0 the header is ignored: a client would otherwise choose its own address.
    An entry that is not an IP address (a proxy count set too high lets the client write
    it) falls back to REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = settings.NUM_PROXIES
    if not proxies or not forwarded:
        return remote
    entries = forwarded.split(",")
    entry = entries[-min(proxies, len(entries))].strip()
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return remote
