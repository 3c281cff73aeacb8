"""The versioned price list (``seeds/pricing.csv``): reading and validating it,
comparing two versions of it, and the effect of a change on the cost of turns.

Pure functions over the CSV's text and over daily token totals; the command
line (``sage pricing``) does the I/O: files, git and the warehouse.
"""
