"""The audit log: records (records.py), where they are kept (stores.py), the log
that appends and verifies them (log.py), its head (head.py) and its key (key.py)."""
