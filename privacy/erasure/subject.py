"""Who is to be erased: the id given (raw, app hash or pseudonym) resolved to the
pseudonymous id, and what the warehouse holds under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lakehouse.settings import Settings
from lakehouse.warehouse import Warehouse
from privacy.catalog import Table, layer_tables
from privacy.erasure.ledger import CANNOT_START, ErasureError
from privacy.pseudonym import pseudonymise, source_hash
from privacy.rules import LAYERS

HEX64 = re.compile(r"[0-9a-f]{64}")
ID_TYPES = ("raw", "app-hash", "pseudonym")
USER_COLUMN = "user_key"
# --- who is asking ----------------------------------------------------------------


@dataclass
class Subject:
    user_key: str
    app_hash: str | None  # as Bronze holds the user; None when Bronze holds nothing of them
    raw_id: str | None
    given_as: str  # raw, app-hash or pseudonym
    explanation: str


class Lookup:
    """What the warehouse holds of a user: rows per Silver/Gold table with their key,
    and the app hashes Bronze holds."""

    def __init__(self, warehouse: Warehouse, settings: Settings):
        self.warehouse = warehouse
        self.tables: list[Table] = [
            table
            for layer in LAYERS
            for table in layer_tables(warehouse, settings, layer).values()
            if table.column(USER_COLUMN) is not None
        ]
        bronze_tables = layer_tables(warehouse, settings, "bronze").values()
        self.bronze_users = [t for t in bronze_tables if t.column("source_user_id") is not None]
        self._hashes: set[str] | None = None

    def rows(self, user_key: str, layers: tuple[str, ...] = LAYERS) -> dict[str, int]:
        """Rows with this key per table of ``layers`` (every layer by default)."""
        if not HEX64.fullmatch(user_key):  # it goes into SQL text
            raise ValueError(f"not a pseudonymous id: {user_key!r}")
        counts = {}
        for table in self.tables:
            if table.layer not in layers:
                continue
            count = self.warehouse.query(
                f"select count(*) as n from {table.relation} where {USER_COLUMN} = '{user_key}'"
            )[0]["n"]
            counts[table.label] = int(count)
        return counts

    def app_hashes(self) -> set[str]:
        if self._hashes is None:
            if not self.bronze_users:
                self._hashes = set()
            else:
                sql = " union ".join(
                    f"select source_user_id as id from {table.relation}"
                    for table in self.bronze_users
                )
                rows = self.warehouse.query(f"select distinct id from ({sql}) as ids")
                self._hashes = {str(row["id"]) for row in rows if row["id"]}
        return self._hashes

    def app_hash_of(self, user_key: str, pepper: str) -> str | None:
        return next(
            (found for found in self.app_hashes() if pseudonymise(found, pepper) == user_key),
            None,
        )


def resolve(
    value: str,
    *,
    id_type: str | None,
    pepper: str,
    lookup: Lookup,
    erased: set[str],
) -> Subject:
    """Work out the user's pseudonymous key (and app hash) from the id given.

    A 64-hex value may be an app hash or a pseudonym: it is looked up both ways,
    and the request refuses to guess when both find someone."""
    value = value.strip()
    if not value:
        raise ErasureError("--user is empty", status=CANNOT_START)
    if id_type in ("app-hash", "pseudonym") and not HEX64.fullmatch(value):
        raise ErasureError(
            f"--id-type {id_type} expects 64 lower-case hex characters", status=CANNOT_START
        )

    if id_type == "raw" or (id_type is None and not HEX64.fullmatch(value)):
        app_hash = source_hash(value)
        key = pseudonymise(app_hash, pepper)
        return Subject(
            key,
            app_hash,
            value,
            "raw",
            "a raw id: sha256 gives the app hash, HMAC with the pepper the pseudonymous id",
        )
    if id_type == "app-hash":
        key = pseudonymise(value, pepper)
        return Subject(key, value, None, "app-hash", "the app's sha256 of an id (as given)")
    if id_type == "pseudonym":
        return Subject(
            value,
            lookup.app_hash_of(value, pepper),
            None,
            "pseudonym",
            "a pseudonymous id (as given)",
        )

    # 64 hex characters, type not given: look it up both ways.
    as_key = value
    as_hash_key = pseudonymise(value, pepper)
    if as_key in erased or as_hash_key in erased:
        if as_key in erased:
            return Subject(
                as_key,
                lookup.app_hash_of(as_key, pepper),  # None once Bronze holds nothing of them
                None,
                "pseudonym",
                "a pseudonymous id in the erasure ledger",
            )
        return Subject(
            as_hash_key, value, None, "app-hash", "the app's sha256 of an id in the erasure ledger"
        )
    key_found = any(lookup.rows(as_key).values()) or lookup.app_hash_of(as_key, pepper) is not None
    hash_found = value in lookup.app_hashes() or any(lookup.rows(as_hash_key).values())
    if key_found and hash_found:
        raise ErasureError(
            "this 64-hex id matches a user both as a pseudonymous id and as the app's sha256 "
            "of an id; say which it is with --id-type pseudonym or --id-type app-hash",
            status=2,
        )
    if key_found:
        return Subject(
            as_key,
            lookup.app_hash_of(as_key, pepper),
            None,
            "pseudonym",
            "64 hex characters, found as a pseudonymous id (Silver's user_key)",
        )
    if hash_found:
        return Subject(
            as_hash_key,
            value,
            None,
            "app-hash",
            "64 hex characters, found as the app's sha256 of a user id (Bronze's uid)",
        )
    raise ErasureError(
        "no user with this id: it is neither a pseudonymous id in Silver or Gold nor the "
        "app's sha256 of a user id in Bronze (a raw id of 64 hex characters needs --id-type raw)",
        status=1,
    )
