"""`python -m emulator.cli`: the byoc command."""

import sys

from emulator.cli import main

sys.exit(main())
