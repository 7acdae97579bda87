"""cli — the ``speculation`` command line (top layer): parse, call, print; ``main`` is in cli/main.py."""
