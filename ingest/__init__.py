"""Ingest workers: parse raw source files, validate them into typed records and
land them in the lake as Bronze NDJSON.gz, with every rejected record kept in
quarantine together with the reason it was rejected.

The same pure functions serve the command line (``sage ingest``) and the Lambda
handlers in :mod:`ingest.handler`; all object-store I/O lives in :mod:`lakehouse.lake`.
"""
