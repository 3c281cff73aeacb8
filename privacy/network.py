"""IP addresses are truncated before Silver: IPv4 to its /24, IPv6 to its /48.

The same rule runs in SQL (``macros/privacy/ip_network.sql``) on both engines;
tests compare the two. An IPv4 address written as IPv4-mapped IPv6
(``::ffff:203.0.113.7``) is treated as the IPv4 address it is.
"""

from __future__ import annotations

import ipaddress

IPV4_PREFIX = 24
IPV6_PREFIX = 48


def ip_network(address: str) -> str:
    """``203.0.113.7`` → ``203.0.113.0/24``;
    ``2001:db8:85a3::8a2e:370:7334`` → ``2001:db8:85a3::/48``."""
    ip = ipaddress.ip_address(address.strip())
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
