"""Realistic sample input for every source, in each source's own format.

``sage generate`` builds one deterministic simulated app population (see
:mod:`sample_data.world`) and renders it through one writer per source.
"""
