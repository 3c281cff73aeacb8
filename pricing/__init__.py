"""The versioned price list (``seeds/pricing.csv``): reading and validating it,
comparing two versions of it, the effect of a change on the cost of turns, and
its rates compared with public price catalogs (dated snapshots of them, and the
acknowledged differences in ``seeds/pricing_acknowledged.csv``).

Mostly pure functions over the files' text, daily token totals and catalog
files; the command line (``sage pricing``) does the I/O: files and the
warehouse. Reading git (:mod:`pricing.git`) and fetching a catalog's package
with pip (:mod:`pricing.package_file`) are the two exceptions, each in a module
of its own.
"""
