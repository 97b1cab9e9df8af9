"""`python -m devfiler`, and the entry script of the packaged app."""

import sys

from devfiler.cli import main

sys.exit(main())
