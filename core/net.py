"""Who is asking: the client's address (behind a known number of proxies) and its salted hash."""

import logging

from django.conf import settings
from django.utils.crypto import salted_hmac

from core.logging import Throttle

logger = logging.getLogger(__name__)
_short_chain_log = Throttle(60)


def client_ip(request) -> str:
    """The client's IP address.

    With NUM_PROXIES set (the app sits behind that many trusted proxies), the address is taken
    that many hops from the right of X-Forwarded-For, so a client cannot forge it by sending its
    own header; otherwise REMOTE_ADDR. A chain shorter than NUM_PROXIES means a request that
    did not come through every proxy (or a misconfiguration): the socket's address is used, and
    a warning is logged (at most once a minute per process, without the addresses).
    """
    num_proxies = getattr(settings, "NUM_PROXIES", 0)
    if num_proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= num_proxies:
            return forwarded[-num_proxies]
        held = _short_chain_log.ready()
        if held is not None:
            logger.warning(
                "X-Forwarded-For has %s of the %s proxy hops NUM_PROXIES expects; using the "
                "socket address (%s more since the last warning).",
                len(forwarded),
                num_proxies,
                held,
            )
    return request.META.get("REMOTE_ADDR", "")


def axes_client_ip(request) -> str:
    """django-axes' AXES_CLIENT_IP_CALLABLE: locks out the same client the rate limits see."""
    return client_ip(request)


def ip_hash(request) -> str:
    """A salted, keyed hash of the client's address: enough to spot abuse, never the address."""
    return salted_hmac("core.net.ip_hash", client_ip(request), algorithm="sha256").hexdigest()
