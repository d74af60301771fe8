"""Exit statuses shared by every subcommand."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1  # something failed at run time
EXIT_USAGE = 2  # bad arguments or settings; argparse uses 2 as well
