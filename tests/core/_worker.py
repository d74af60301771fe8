"""A child process that obtains a token, for the cross-process tests."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize


def fetch_one_token(
    env: dict[str, str],
    start: multiprocessing.synchronize.Barrier,
    results: multiprocessing.Queue[str],
) -> None:
    """Wait for every sibling, then get a token through the default caches."""
    from vision_integrations import TokenManager, VisionSettings

    manager = TokenManager(VisionSettings.from_env(env))
    start.wait()
    results.put(manager.get_token().fingerprint)
