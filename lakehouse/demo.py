"""The demo switch: ``SAGE_DEMO=1`` lets sample data use the public demo pepper and
audit key when no real secret is set. A real deployment sets the secrets and never
``SAGE_DEMO``. This module is the one place that reads or sets it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

DEMO_ENV = "SAGE_DEMO"
PEPPER_ENV = "SAGE_PEPPER"


def is_demo(environ: Mapping[str, str] | None = None) -> bool:
    """Whether sample data may use the public demo secrets."""
    env = os.environ if environ is None else environ
    return env.get(DEMO_ENV) == "1"


def enable_demo(environ: MutableMapping[str, str] | None = None) -> None:
    """Turn the switch on, for generated sample data only."""
    env = os.environ if environ is None else environ
    env[DEMO_ENV] = "1"
