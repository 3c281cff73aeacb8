"""Privacy operations: pseudonymisation, and (as the project grows) the PII
guard, erasure and retention."""
