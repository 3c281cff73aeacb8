"""One module per ``sage`` sub-command; each has ``register(subparsers)``."""
