"""What `VisionSession` costs per request next to a bare `requests.Session`.

Both send the same GET to the emulator's status route over keep-alive, the
bare session with a bearer header set by hand, `VisionSession` with a token
already in its memory cache (so every request pays only the check-before-
send and the URL resolution). Requests alternate in blocks so that drift in
the machine's speed hits both sides alike. Then each side sends 100
requests from a new session and the emulator counts the TCP connections.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable

import requests

from benchmarks.table import Table
from vision_integrations import VisionSession, VisionSettings
from vision_integrations.testing import VisionEmulator

_BLOCK = 50
_CONNECTION_PROBE = 100


def run(requests_per_side: int) -> Table:
    """Time `requests_per_side` GETs on each side; count connections."""
    table = Table(
        name="session_overhead",
        title="Per-request overhead: VisionSession vs bare requests.Session",
        columns=[
            "client",
            "requests",
            "median us",
            "p90 us",
            "ratio of medians",
            "connections/100 req",
            "token requests/100 req",
        ],
    )
    with (
        VisionEmulator() as emulator,
        tempfile.TemporaryDirectory(prefix="vision-bench-") as cache_dir,
    ):
        settings = _settings(emulator, cache_dir)
        vision = VisionSession(settings)
        vision.get("").raise_for_status()  # fetch and cache the token first
        bare = _bare_session(vision)
        bare_url = f"{settings.api_base_url}/"

        timings = _alternate(
            {
                "VisionSession": lambda: vision.get(""),
                "bare": lambda: bare.get(bare_url, timeout=settings.timeout),
            },
            requests_per_side,
        )
        vision.close()
        bare.close()
        connections = _connections(emulator, settings, bare_url)

    bare_median = statistics.median(timings["bare"])
    for label, name in (
        ("requests.Session + header", "bare"),
        ("VisionSession", "VisionSession"),
    ):
        samples = timings[name]
        median = statistics.median(samples)
        table.add(
            label,
            len(samples),
            median * 1e6,
            statistics.quantiles(samples, n=10)[-1] * 1e6,
            median / bare_median,
            *connections[name],
        )
    table.notes.append(
        "GET {api_base_url}/ on the emulator over loopback keep-alive; the "
        "emulator's own handling time is in both medians"
    )
    table.notes.append(
        "connections: a new session per side sends 100 GETs; VisionSession "
        "reuses the memory-cached token, so it asks for none"
    )
    return table


def _settings(emulator: VisionEmulator, cache_dir: str) -> VisionSettings:
    env = emulator.env()
    return VisionSettings.from_env(env, cache_dir=cache_dir)


def _bare_session(vision: VisionSession) -> requests.Session:
    token = vision.manager.get_token()
    bare = requests.Session()
    bare.headers["Authorization"] = token.authorization_header
    bare.headers["Accept"] = "application/json"
    return bare


def _alternate(
    sides: dict[str, Callable[[], requests.Response]], count: int
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in sides}
    for start in range(0, count, _BLOCK):
        for name, send in sides.items():
            for _ in range(min(_BLOCK, count - start)):
                began = time.perf_counter()
                response = send()
                elapsed = time.perf_counter() - began
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: HTTP {response.status_code}")
                timings[name].append(elapsed)
    return timings


def _connections(
    emulator: VisionEmulator, settings: VisionSettings, bare_url: str
) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}
    token = VisionSession(settings).manager.get_token()
    makers: dict[str, Callable[[], requests.Session]] = {
        "VisionSession": lambda: VisionSession(settings),
        "bare": lambda: _with_header(requests.Session(), token.authorization_header),
    }
    for name, make in makers.items():
        emulator.reset_counters()
        with make() as session:
            url = "" if isinstance(session, VisionSession) else bare_url
            for _ in range(_CONNECTION_PROBE):
                session.get(url, timeout=settings.timeout).raise_for_status()
        counts[name] = (emulator.connections(), emulator.token_requests())
    return counts


def _with_header(session: requests.Session, authorization: str) -> requests.Session:
    session.headers["Authorization"] = authorization
    return session
