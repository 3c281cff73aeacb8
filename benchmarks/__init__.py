"""``make bench``: how fast the warehouse is on this machine, measured, not asserted."""
