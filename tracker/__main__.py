"""`python -m tracker` is the `tracker` command."""

import sys

from tracker.cli import main

sys.exit(main())
