"""Who may see /sage: a password checked against a salted scrypt hash from the
environment, an optional IP allow-list, and a brake on guessing.

The hash is made once with ``sage serve --hash-password`` and kept in a secret
store; the server only ever sees the hash, never the password at rest:

    scrypt$<n>$<r>$<p>$<salt, base64>$<key, base64>
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

PASSWORD_HASH_ENV = "SAGE_DASHBOARD_PASSWORD_HASH"
USER_ENV = "SAGE_DASHBOARD_USER"
ALLOW_IPS_ENV = "SAGE_DASHBOARD_ALLOW_IPS"
DEFAULT_USER = "sage"
MIN_PASSWORD_LENGTH = 12

# scrypt at n=2^15, r=8: 32 MiB and a few tens of milliseconds per check; a
# stolen hash costs as much per guess.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
KEY_BYTES = 32
# Password checks running at once, over all addresses: each holds up to
# SCRYPT_MAXMEM, so this bounds the memory a burst of guesses can take. More
# arrive at once only in an attack; they are refused rather than queued.
CONCURRENT_CHECKS = 4


class AuthConfigError(ValueError):
    """The configured hash or allow-list cannot be used."""


@dataclass(frozen=True)
class PasswordHash:
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes

    @classmethod
    def parse(cls, encoded: str) -> PasswordHash:
        parts = encoded.strip().split("$")
        if len(parts) != 6 or parts[0] != "scrypt":
            raise AuthConfigError(
                f"{PASSWORD_HASH_ENV} is not a hash made by `sage serve --hash-password` "
                "(expected scrypt$n$r$p$salt$key)"
            )
        try:
            n, r, p = (int(value) for value in parts[1:4])
            salt = base64.b64decode(parts[4], validate=True)
            key = base64.b64decode(parts[5], validate=True)
        except (ValueError, binascii.Error):
            raise AuthConfigError(
                f"{PASSWORD_HASH_ENV} is malformed: bad number or base64"
            ) from None
        if n < 2**14 or n & (n - 1) or not (1 <= r <= 32) or not (1 <= p <= 16):
            raise AuthConfigError(
                f"{PASSWORD_HASH_ENV} has weak or invalid scrypt parameters (n={n}, r={r}, p={p})"
            )
        if len(salt) < 16 or len(key) < 32:
            raise AuthConfigError(f"{PASSWORD_HASH_ENV} has too short a salt or key")
        return cls(n, r, p, salt, key)

    def encode(self) -> str:
        return "$".join(
            [
                "scrypt",
                str(self.n),
                str(self.r),
                str(self.p),
                base64.b64encode(self.salt).decode(),
                base64.b64encode(self.key).decode(),
            ]
        )

    def derive(self, password: str) -> bytes:
        return hashlib.scrypt(
            password.encode("utf-8"),
            salt=self.salt,
            n=self.n,
            r=self.r,
            p=self.p,
            maxmem=SCRYPT_MAXMEM,
            dklen=len(self.key),
        )

    def matches(self, password: str) -> bool:
        return hmac.compare_digest(self.derive(password), self.key)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthConfigError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    salt = secrets.token_bytes(16)
    template = PasswordHash(SCRYPT_N, SCRYPT_R, SCRYPT_P, salt, b"\0" * KEY_BYTES)
    return PasswordHash(SCRYPT_N, SCRYPT_R, SCRYPT_P, salt, template.derive(password)).encode()


def parse_allow_list(text: str | None) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``127.0.0.1, 10.0.0.0/8 ::1`` -> networks; empty means any address."""
    networks = []
    for item in (text or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise AuthConfigError(
                f"{ALLOW_IPS_ENV}: {item!r} is not an IP address or network"
            ) from None
    return networks


def address_allowed(address: str, networks: list) -> bool:
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip.version == network.version and ip in network for network in networks)


class Credentials:
    """Checks HTTP Basic credentials: user name and password, both in constant time."""

    def __init__(self, password_hash: PasswordHash, user: str = DEFAULT_USER):
        self.password_hash = password_hash
        self.user = user

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Credentials | None:
        env = os.environ if environ is None else environ
        encoded = env.get(PASSWORD_HASH_ENV, "").strip()
        if not encoded:
            return None
        return cls(PasswordHash.parse(encoded), env.get(USER_ENV, "").strip() or DEFAULT_USER)

    def check(self, authorization: str | None) -> bool:
        if not authorization:
            return False
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, separator, password = decoded.partition(":")
        if not separator:
            return False
        # Both comparisons always run, so the time taken says nothing about which failed.
        user_ok = hmac.compare_digest(user.encode("utf-8"), self.user.encode("utf-8"))
        password_ok = self.password_hash.matches(password)
        return user_ok and password_ok


class FailureBrake:
    """At most ``limit`` wrong passwords per address in ``window`` seconds.

    An attempt is counted before its password is checked, and stays counted as a
    failure unless it succeeds: a burst of guesses sent at once gets no more
    checks than the limit, however many arrive before the first check ends.
    """

    def __init__(self, limit: int = 10, window: float = 300.0, max_addresses: int = 10_000):
        self.limit = limit
        self.window = window
        self.max_addresses = max_addresses
        self._attempts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        attempts = self._attempts.setdefault(address, deque())
        while attempts and attempts[0] <= now - self.window:
            attempts.popleft()
        return attempts

    def reserve(self, address: str) -> float:
        """Count one attempt for ``address``; returns 0 when it is counted, else the
        seconds until the address may try again (and nothing is counted)."""
        now = time.monotonic()
        with self._lock:
            if address not in self._attempts and len(self._attempts) >= self.max_addresses:
                # forget the address whose latest attempt is the oldest
                oldest = min(
                    self._attempts, key=lambda a: self._attempts[a][-1] if self._attempts[a] else 0
                )
                del self._attempts[oldest]
            attempts = self._recent(address, now)
            if len(attempts) >= self.limit:
                return max(attempts[0] + self.window - now, 1.0)
            attempts.append(now)
            return 0.0

    def cancel(self, address: str) -> None:
        """Uncount an attempt whose password was never checked."""
        with self._lock:
            attempts = self._attempts.get(address)
            if attempts:
                attempts.pop()

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._attempts.pop(address, None)
