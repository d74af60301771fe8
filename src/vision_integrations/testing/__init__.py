"""Test against a local emulator of the Truepic Vision API instead of the service.

``VisionEmulator`` serves a token endpoint and API routes on loopback, with
fault injection and request counters; ``EmulatorControl`` drives a running
emulator from another process; the pytest fixtures live in
``vision_integrations.testing.pytest_plugin``.
"""

from vision_integrations.testing.control import EmulatorControl
from vision_integrations.testing.emulator import VisionEmulator
from vision_integrations.testing.faults import TokenFault
from vision_integrations.testing.ledger import EmulatorStats, TokenRequestRecord
from vision_integrations.testing.oauth import DEFAULT_AUDIENCE, DEFAULT_TOKEN_LIFETIME

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_TOKEN_LIFETIME",
    "EmulatorControl",
    "EmulatorStats",
    "TokenFault",
    "TokenRequestRecord",
    "VisionEmulator",
]
