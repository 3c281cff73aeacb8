"""LLM turn logs: Embedded Metric Format lines from the chat Lambda.

They arrive as CloudWatch Logs subscription payloads: JSON documents with a
``logEvents`` list whose ``message`` strings are the EMF JSON the handler
printed. Firehose concatenates many payloads in one object, with or without
newlines between them; a Lambda subscription gets one, gzip + base64 encoded
in a ``{"awslogs": {"data": ...}}`` event, which a file may hold too (a saved
test event).

One log event is one record. Its message is the EMF document, or the document
after the prefix the Lambda runtime writes before what the function prints
(Node.js: ``2023-10-25T17:38:05.273Z<TAB>request id<TAB>INFO<TAB>{...}``,
Python's logging: ``[INFO]<TAB>2023-10-25T17:38:05.273Z<TAB>request id<TAB>{...}``):
the EMF specification counts a valid document after such metadata as valid.
Fields the parser does not know are ignored and reported, never copied to
Bronze (a new field is reviewed before it lands).

This is the busiest parser, so each field is checked inline for the common
case and handed to :mod:`ingest.validate` only when that check fails; the
validator then either accepts the value (an integral float, say) or rejects
the record with the precise rule.

reference.py holds the reference parser (``parse``), fast.py the fast path (``land``).
"""

from ingest.sources.lambda_emf.fast import land
from ingest.sources.lambda_emf.reference import NAME, parse, parse_message, sniff

__all__ = ["NAME", "land", "parse", "parse_message", "sniff"]
