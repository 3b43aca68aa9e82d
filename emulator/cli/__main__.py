"""`python -m emulator.cli`: the same as the `byoc` command."""

import sys

from emulator.cli import main

sys.exit(main())
