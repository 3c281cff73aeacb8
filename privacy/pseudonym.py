"""Keyed pseudonyms, computed exactly as the ``pseudonymise`` dbt macro does.

The app already replaces raw ids with ``sha256(raw_id)`` (the *source hash*),
but an unsalted SHA-256 of a user id can be reversed by hashing every id one
can guess. The warehouse therefore keys it: the pseudonym is

    HMAC-SHA256(key = SAGE_PEPPER, message = source hash), as 64 lowercase hex

The pepper is a secret from the environment, never stored with the data. The
same function runs in SQL on DuckDB and on Athena (``macros/pseudonymise.sql``),
so ids from every source join, and tests compare the two.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from lakehouse.demo import DEMO_ENV, PEPPER_ENV, is_demo

# Marked as what it is: anyone can read it here, so it protects nothing.
DEMO_PEPPER = "DEMO-PEPPER-NOT-SECRET-sample-data-only"
PEPPER_RULE = re.compile(r"[A-Za-z0-9_\-]{32,64}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class PepperError(RuntimeError):
    pass


def check_pepper(pepper: str) -> str:
    if not PEPPER_RULE.fullmatch(pepper):
        raise PepperError(
            f"{PEPPER_ENV} must be 32 to 64 characters of A-Z a-z 0-9 _ - "
            "(for example the output of `openssl rand -hex 32`)"
        )
    return pepper


def pepper_from_env(environ: dict[str, str] | None = None) -> str:
    """The pepper, or the demo pepper when ``SAGE_DEMO=1``; otherwise a clear error."""
    env = os.environ if environ is None else environ
    pepper = env.get(PEPPER_ENV, "")
    if pepper:
        return check_pepper(pepper)
    if is_demo(env):
        return DEMO_PEPPER
    raise PepperError(
        f"{PEPPER_ENV} is not set. Ids are pseudonymised with a secret key: "
        f"export {PEPPER_ENV}=$(openssl rand -hex 32) and keep it in your secret store, "
        f"or set {DEMO_ENV}=1 to use the public demo pepper with sample data."
    )


def source_hash(raw_id: str) -> str:
    """What the app emits for a raw id: ``sha256(raw_id)`` in lowercase hex."""
    return hashlib.sha256(raw_id.encode()).hexdigest()


def pseudonymise(source_id: str, pepper: str) -> str:
    """The warehouse pseudonym of an id already in source-hash form."""
    return hmac.new(pepper.encode(), source_id.encode(), hashlib.sha256).hexdigest()


def pseudonymise_raw(raw_id: str, pepper: str) -> str:
    """The warehouse pseudonym of a raw id (as held in the app's own tables)."""
    return pseudonymise(source_hash(raw_id), pepper)
