"""The ``sage`` command: one entry point for the whole warehouse."""

__version__ = "0.1.0"
