"""Who is asking: the client's address (behind a known number of proxies) and its salted hash."""

from django.conf import settings
from django.utils.crypto import salted_hmac


def client_ip(request) -> str:
    """The client's IP address.

    With NUM_PROXIES set (the app sits behind that many trusted proxies), the address is taken
    that many hops from the right of X-Forwarded-For, so a client cannot forge it by sending its
    own header; otherwise REMOTE_ADDR.
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
    return request.META.get("REMOTE_ADDR", "")


def ip_hash(request) -> str:
    """A salted, keyed hash of the client's address: enough to spot abuse, never the address."""
    return salted_hmac("core.net.ip_hash", client_ip(request), algorithm="sha256").hexdigest()
