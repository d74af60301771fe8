"""The `vision-integrations` command: check settings, run the emulator, demo.

Exit status: 0 when everything worked, 2 for a usage or configuration error
(the message names the setting to fix), 1 when something failed at run time
(credentials refused, service unreachable, a demo step failed). No command
ever prints an access token or a client secret; tokens show as fingerprints.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from vision_integrations import __version__
from vision_integrations.cli.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

_DESCRIPTION = """\
Token-reusing access to the Truepic Vision API for Airflow and Prefect.

commands:
  check      fetch a token with the VISION_* settings and call the API
  emulator   serve a local Vision emulator until Ctrl-C
  demo       run the example DAGs and flows on real Airflow and Prefect
             against the emulator, and count the token requests
"""

_EPILOG = """\
settings (environment):
  VISION_CLIENT_ID, VISION_CLIENT_SECRET   the API credentials (required)
  VISION_REGION                            us (default) or eu
  VISION_AUTH_URL, VISION_AUDIENCE,
  VISION_API_BASE_URL                      required for eu; override us
  VISION_CACHE_DIR, VISION_FILE_CACHE      where tokens are cached (sealed)

exit status: 0 ok, 1 run-time failure, 2 usage or configuration error
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="vision-integrations",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="fetch a token and call the API with the VISION_* settings",
        description=(
            "Read the VISION_* settings, obtain an access token (from the "
            "token cache when a fresh one is there), and ask the API whether "
            "it is online. Prints where the token came from, its audience, "
            "expiry and fingerprint; never the token or the secret."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "--no-api", action="store_true", help="only obtain a token; skip the API call"
    )
    check.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also log where tokens come from (never their values)",
    )

    commands.add_parser(
        "emulator",
        help="serve a local Vision emulator in the foreground",
        description=(
            "Serve the local Vision emulator until Ctrl-C and print the "
            "VISION_* settings that point a client at it. Run "
            "`vision-integrations emulator --help` for its options."
        ),
        add_help=False,
    )

    demo = commands.add_parser(
        "demo",
        help="run the example DAGs and flows against the emulator",
        description=(
            "Start the emulator, make sure an Airflow and a Prefect virtual "
            "environment exist under DIR (created on first use, then "
            "reused), run the example DAGs with dag.test() on a temporary "
            "Airflow home and the example flows on an ephemeral Prefect API, "
            "and print the tasks, API calls and token requests of each side "
            "next to the naive baseline (one token per task) and the limit "
            "(one)."
        ),
    )
    demo.add_argument(
        "--environments",
        metavar="DIR",
        required=True,
        help="where the two virtual environments live (and install logs)",
    )
    demo.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary Airflow and Prefect homes and outputs",
    )
    demo.add_argument(
        "--runs",
        type=int,
        default=2,
        metavar="N",
        help="runs of each DAG and flow, each in a fresh process (default 2)",
    )
    demo.add_argument(
        "--only",
        choices=["airflow", "prefect"],
        help="run one side only",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["emulator"]:
        # The emulator owns its options; hand them over untouched.
        from vision_integrations.testing.cli import main as emulator_main

        return emulator_main(
            args_list, prog="vision-integrations", serve_command="emulator"
        )

    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "check":
        from vision_integrations.cli.check import run_check

        _configure_logging(args.verbose)
        return run_check(no_api=args.no_api)

    from vision_integrations.cli.demo import run_demo

    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return run_demo(args.environments, keep=args.keep, runs=args.runs, only=args.only)


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if verbose:
        logging.getLogger("vision_integrations").setLevel(logging.INFO)
