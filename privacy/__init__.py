"""Privacy operations: pseudonymisation, IP truncation, the PII guard, retention,
erasure and the audit log."""
