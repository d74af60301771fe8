"""Make (or reuse) the Airflow and the Prefect virtual environment of the demo.

Current Airflow and current Prefect cannot share one environment, so each
gets its own, with this source tree installed editable and the host pinned
to the release the project is tested against. The pins repeat the newest
ones in the noxfile on purpose: an installed package cannot import the
noxfile, so keep the two in step when bumping.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HOST_PINS", "DemoSetupError", "ensure_environment"]

HOST_PINS = {
    "airflow": "apache-airflow==3.3.2",
    "prefect": "prefect==3.9.1",
}
_MARKER = "vision-demo.json"


class DemoSetupError(RuntimeError):
    """A virtual environment could not be made; the log file says why."""

    def __init__(self, message: str, log: Path) -> None:
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class HostEnvironment:
    """A ready virtual environment for one host."""

    host: str
    root: Path

    @property
    def python(self) -> Path:
        """The environment's interpreter."""
        folder = "Scripts" if sys.platform == "win32" else "bin"
        suffix = ".exe" if sys.platform == "win32" else ""
        return self.root / folder / f"python{suffix}"

    def tool(self, name: str) -> Path:
        """A console script installed in the environment."""
        return self.python.with_name(name)


def ensure_environment(
    host: str, root: Path, repo: Path
) -> tuple[HostEnvironment, bool]:
    """Return the host's environment under `root`, and whether it was reused.

    The environment is rebuilt when it is missing, or was installed from
    another source tree or with another pin. Installer output goes to
    `<root>/logs/<host>-install.log`.
    """
    env = HostEnvironment(host, root / host)
    wanted = {"repo": str(repo), "pin": HOST_PINS[host]}
    marker = env.root / _MARKER
    if env.python.exists() and _read(marker) == wanted:
        return env, True

    log = root / "logs" / f"{host}-install.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    if env.root.exists():
        shutil.rmtree(env.root)
    install = ["-e", f"{repo}[{host}]", HOST_PINS[host]]
    uv = shutil.which("uv")
    if uv:
        steps = [
            [uv, "venv", "--python", sys.executable, str(env.root)],
            [uv, "pip", "install", "--python", str(env.python), *install],
        ]
    else:
        steps = [
            [sys.executable, "-m", "venv", str(env.root)],
            [str(env.python), "-m", "pip", "install", "-q", *install],
        ]
    with log.open("w", encoding="utf-8") as out:
        for command in steps:
            out.write("$ " + " ".join(command) + "\n")
            out.flush()
            # The commands are this module's own, with paths it resolved.
            done = subprocess.run(  # noqa: S603
                command, stdout=out, stderr=subprocess.STDOUT, check=False
            )
            if done.returncode != 0:
                raise DemoSetupError(
                    f"installing the {host} environment failed "
                    f"(exit {done.returncode})",
                    log,
                )
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    return env, False


def _read(marker: Path) -> object:
    try:
        return json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
