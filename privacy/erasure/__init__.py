"""Erasure (GDPR Art. 17, CCPA §1798.105): one user out of Silver, Gold and Bronze.

A request goes through these steps, each recorded in its receipt
(``lake/erasure/receipts/<request>.json``) as it completes, so a request that
stops part-way resumes where it stopped when ``sage erase`` is run again:

1. ``ledger``: the request joins the erasure ledger, one object under
   ``lake/erasure/requests/`` with the pseudonymous id and the request time
   only. Every build reads the ledger (the lake source ``erasure_requests``) and
   leaves the user out of Silver, full refreshes and backfills included.
2. ``silver``: the user's rows are deleted from every Silver and private
   (per-person) table with a ``user_key`` (an Iceberg DELETE on Athena, then
   OPTIMIZE and VACUUM).
3. ``gold``: Gold is rebuilt from Silver and the private layer (``dbt run
   --select tag:gold --full-refresh``), so every aggregate loses exactly the
   user's contribution. Gold holds no row per person, so none is deleted there.
4. ``bronze``: every Bronze and quarantine object holding the user's records is
   rewritten without them (privacy/bronze.py).
5. ``verified``: no Silver, private or Gold table holds a row with the user's key.

Ids: the app's tables hold a raw id; the app's logs and Bronze hold
``sha256(raw id)`` (the *app hash*); Silver and Gold hold the keyed pseudonym
``HMAC-SHA256(pepper, app hash)``. A request may give any of the three.

ledger.py holds the ledger, the receipts and the audit records they call for;
subject.py who is to be erased; steps.py the steps; lifecycle.py a request from
start to finish, as ``sage erase`` runs it.
"""
