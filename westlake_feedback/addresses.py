"""The client's address, as rate limits and the login lockout count it."""
from __future__ import annotations

import ipaddress

from flask import request


def client_address() -> str:
    """request.remote_addr (the real client once ProxyFix has applied WESTLAKE_TRUSTED_PROXIES).
    An IPv6 address counts as its /64 network: one subscriber is given a whole /64 and can pick a
    new address in it for every request."""
    address = request.remote_addr or ""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
