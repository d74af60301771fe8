"""Allow `python -m vision_integrations.cli`, same as `vision-integrations`."""

import sys

from vision_integrations.cli import main

sys.exit(main())
