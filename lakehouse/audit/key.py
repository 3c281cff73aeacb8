"""The audit log's key: each record is keyed with it, so a record cannot be
changed, forged or re-chained without it.

    record hash = HMAC-SHA256(key = SAGE_AUDIT_KEY, message = the record's canonical JSON)

Like the pepper (privacy/pseudonym.py), the key is a secret from the
environment, kept in a secret store and never in the lake, the audit table or
the repository: whoever can write where the log is kept, but does not hold the
key, cannot write a record that verifies. With ``SAGE_DEMO=1`` and no key set,
a public demo key is used, for sample data only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from lakehouse.demo import DEMO_ENV, PEPPER_ENV, is_demo

AUDIT_KEY_ENV = "SAGE_AUDIT_KEY"
# Marked as what it is: anyone can read it here, so it protects nothing.
DEMO_AUDIT_KEY = "DEMO-AUDIT-KEY-NOT-SECRET-sample-data-only"
AUDIT_KEY_RULE = re.compile(r"[A-Za-z0-9_\-]{32,64}")


class AuditKeyError(RuntimeError):
    pass


def audit_key_from_env(environ: dict[str, str] | None = None) -> str:
    """The audit key, or the demo key when ``SAGE_DEMO=1``; otherwise a clear error."""
    env = os.environ if environ is None else environ
    key = env.get(AUDIT_KEY_ENV, "")
    if key:
        if not AUDIT_KEY_RULE.fullmatch(key):
            raise AuditKeyError(
                f"{AUDIT_KEY_ENV} must be 32 to 64 characters of A-Z a-z 0-9 _ - "
                "(for example the output of `openssl rand -hex 32`)"
            )
        if key == env.get(PEPPER_ENV):
            raise AuditKeyError(
                f"{AUDIT_KEY_ENV} is the same as {PEPPER_ENV}: use a key of its own, so that "
                "neither secret gives away the other"
            )
        return key
    if is_demo(env):
        return DEMO_AUDIT_KEY
    raise AuditKeyError(
        f"{AUDIT_KEY_ENV} is not set. Audit records are keyed with a secret: export "
        f"{AUDIT_KEY_ENV}=$(openssl rand -hex 32) and keep it in your secret store, or set "
        f"{DEMO_ENV}=1 to use the public demo key with sample data."
    )


def key_id(key: str) -> str:
    """A short name for a key that gives nothing of it away: which key wrote a record."""
    return hmac.new(key.encode(), b"sage audit key id", hashlib.sha256).hexdigest()[:12]


def keyed_hash(key: str, canonical: bytes) -> str:
    return hmac.new(key.encode(), canonical, hashlib.sha256).hexdigest()
