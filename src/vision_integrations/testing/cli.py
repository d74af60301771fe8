"""Run the Vision emulator from the command line until interrupted.

``python -m vision_integrations.testing serve --port 8400`` prints the
``export VISION_...=`` lines that point a client at it.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from vision_integrations.testing.emulator import (
    DEFAULT_CLIENT_ID,
    VisionEmulator,
    check_loopback,
)
from vision_integrations.testing.inspections import DEFAULT_SEED_COUNT
from vision_integrations.testing.oauth import DEFAULT_AUDIENCE, DEFAULT_TOKEN_LIFETIME


def build_parser(
    prog: str = "python -m vision_integrations.testing",
    serve_command: str = "serve",
) -> argparse.ArgumentParser:
    """Return the argument parser of the emulator CLI.

    `serve_command` lets a parent command line expose serving under its own
    subcommand name (``vision-integrations emulator``).
    """
    parser = argparse.ArgumentParser(
        prog=prog, description="Local emulator of the Truepic Vision API."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(serve_command, help="serve until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument(
        "--lifetime",
        type=int,
        default=DEFAULT_TOKEN_LIFETIME,
        help="token lifetime in seconds",
    )
    serve.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    serve.add_argument("--client-secret", default=None, help="default: random per run")
    serve.add_argument("--audience", default=DEFAULT_AUDIENCE)
    serve.add_argument(
        "--inspections",
        type=int,
        default=DEFAULT_SEED_COUNT,
        help="number of seeded inspections",
    )
    return parser


def _print_banner(emulator: VisionEmulator) -> None:
    print(f"Vision emulator listening on {emulator.url} (Ctrl-C to stop)")
    # Printing this secret is deliberate: the emulator made it up for local
    # testing and it opens nothing but this process.
    print("# Local test credentials made up by the emulator, not Truepic secrets:")
    for name, value in emulator.env().items():
        print(f"export {name}={shlex.quote(value)}")
    sys.stdout.flush()


def _serve(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Stop cleanly on SIGTERM too, so that supervisors see exit status 0.
    signal.signal(signal.SIGTERM, on_signal)
    emulator = VisionEmulator(
        host=args.host,
        port=args.port,
        audience=args.audience,
        token_lifetime=args.lifetime,
        client_id=args.client_id,
        client_secret=args.client_secret,
        inspections=args.inspections,
    )
    with emulator:
        _print_banner(emulator)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("Vision emulator stopped.")
    return 0


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str = "python -m vision_integrations.testing",
    serve_command: str = "serve",
) -> int:
    """Parse ``argv`` and run the chosen command; return the exit status."""
    parser = build_parser(prog, serve_command)
    args = parser.parse_args(argv)
    try:
        check_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))
    if args.lifetime <= 0:
        parser.error("--lifetime must be a positive number of seconds")
    if args.inspections < 0:
        parser.error("--inspections cannot be negative")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    try:
        return _serve(args)
    except OSError as exc:
        print(
            f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
