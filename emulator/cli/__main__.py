"""`python -m emulator.cli ...` runs the `byoc` command."""

import sys

from emulator.cli import main

sys.exit(main())
