"""What the tests know about the session's Prefect server (no Prefect import)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PrefectAPI:
    """Where the session's Prefect server listens and keeps its files."""

    url: str
    database: Path
    home: Path
