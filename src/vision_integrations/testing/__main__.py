"""Run the emulator CLI: ``python -m vision_integrations.testing serve``."""

import sys

from vision_integrations.testing.cli import main

sys.exit(main())
