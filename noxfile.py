"""Development tasks: one virtual environment per host, never both at once.

Current Airflow and current Prefect pin conflicting FastAPI releases, so the
core, the Airflow side and the Prefect side are each tested in their own
environment. `nox` alone runs every check and test session; `nox -s demo`
runs the example DAG and flow against the built-in emulator.
"""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = [
    "lint",
    "core",
    "airflow",
    "airflow_floor",
    "prefect",
    "prefect_floor",
    "benchmarks",
    "benchmarks_airflow",
    "benchmarks_prefect",
]

# The newest releases this project is tested against, and the oldest it
# supports. Bump the newest ones deliberately, after a green run.
AIRFLOW_NEWEST = "apache-airflow==3.3.2"
AIRFLOW_FLOOR = "apache-airflow==3.1.8"
PREFECT_NEWEST = "prefect==3.9.1"
PREFECT_FLOOR = "prefect==3.4.25"
PREFECT_FLOOR_RESOLVED_BEFORE = "2025-12-01T00:00:00Z"

TEST_TOOLS = ["pytest>=8", "pytest-timeout"]
CHECK_TOOLS = ["mypy>=1.10", "types-requests"]

# Keep test runs off the network and out of the user's own caches.
QUIET_HOSTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
}


def _pytest(session: nox.Session, *args: str) -> None:
    session.run("pytest", *(session.posargs or args), env=QUIET_HOSTS)


@nox.session(python=False)
def lint(session: nox.Session) -> None:
    """Check style and formatting of every Python file (88 columns)."""
    session.run("uvx", "ruff@0.17.6", "check", ".", external=True)
    session.run("uvx", "ruff@0.17.6", "format", "--check", ".", external=True)


@nox.session
def core(session: nox.Session) -> None:
    """Type-check and test the core and the emulator (no host installed)."""
    session.install("-e", ".", *TEST_TOOLS, *CHECK_TOOLS, "hypothesis")
    session.run(
        "mypy",
        "src/vision_integrations",
        "--exclude",
        "src/vision_integrations/(airflow|prefect)/",
    )
    _pytest(session, "tests/core")


def _host(
    session: nox.Session,
    host: str,
    release: str,
    *,
    floor: bool,
    extra_tools: tuple[str, ...] = (),
    resolved_before: str | None = None,
) -> None:
    """Install the package with one host at one release, then test that side.

    The newest release is type-checked and gets every test. The floor gets
    the tests not marked slow (a real DAG run or flow runs included); the
    multi-process scenarios run there with `-- tests/<host>`.
    `resolved_before` installs the dependency set that existed on that date,
    for old host releases whose open-ended pins admit today's incompatible
    libraries.
    """
    env = {"UV_EXCLUDE_NEWER": resolved_before} if resolved_before else None
    session.install(
        "-e", f".[{host}]", release, *TEST_TOOLS, *CHECK_TOOLS, *extra_tools, env=env
    )
    if floor:
        _pytest(session, f"tests/{host}", "-m", "not slow")
    else:
        session.run("mypy", f"src/vision_integrations/{host}")
        _pytest(session, f"tests/{host}")


@nox.session
def airflow(session: nox.Session) -> None:
    """Type-check the provider and test it on the newest Airflow 3."""
    _host(session, "airflow", AIRFLOW_NEWEST, floor=False)


@nox.session
def airflow_floor(session: nox.Session) -> None:
    """Test the provider on the oldest supported Airflow 3 release."""
    _host(session, "airflow", AIRFLOW_FLOOR, floor=True)


# Prefect's standard block test suite imports Pillow.
PREFECT_TEST_TOOLS = ("pillow",)


@nox.session
def prefect(session: nox.Session) -> None:
    """Type-check the collection and test it on the newest Prefect 3."""
    _host(
        session,
        "prefect",
        PREFECT_NEWEST,
        floor=False,
        extra_tools=PREFECT_TEST_TOOLS,
    )


@nox.session
def prefect_floor(session: nox.Session) -> None:
    """Test the collection on the oldest supported Prefect 3 release.

    Prefect releases before 3.9 accept any FastAPI below 1.0, and today's
    FastAPI breaks their server; they run with the libraries of their time.
    """
    _host(
        session,
        "prefect",
        PREFECT_FLOOR,
        floor=True,
        extra_tools=PREFECT_TEST_TOOLS,
        resolved_before=PREFECT_FLOOR_RESOLVED_BEFORE,
    )


@nox.session
def benchmarks(session: nox.Session) -> None:
    """Print the token-reuse, overhead and import-cost figures.

    Runs a short mode unless `-- --full` is given.
    """
    session.install("-e", ".")
    args = session.posargs or ["--short"]
    session.run("python", "-m", "benchmarks", *args, env=QUIET_HOSTS)


def _host_benchmark(session: nox.Session, host: str, release: str) -> None:
    """Install the package with one host, then run that host's workload.

    Short mode, figures to `benchmarks/results/<host>.json`, unless posargs
    are given (for instance `-- --full --only airflow`).
    """
    session.install("-e", f".[{host}]", release)
    args = session.posargs or [
        "--short",
        "--only",
        host,
        "--json",
        f"benchmarks/results/{host}.json",
    ]
    session.run("python", "-m", "benchmarks", *args, env=QUIET_HOSTS)


@nox.session
def benchmarks_airflow(session: nox.Session) -> None:
    """Count token requests of DAG runs on the newest Airflow 3."""
    _host_benchmark(session, "airflow", AIRFLOW_NEWEST)


@nox.session
def benchmarks_prefect(session: nox.Session) -> None:
    """Count token requests of flow runs on the newest Prefect 3."""
    _host_benchmark(session, "prefect", PREFECT_NEWEST)


@nox.session
def demo(session: nox.Session) -> None:
    """Run the example DAG and flow against the built-in emulator."""
    session.install("-e", ".")
    env_root = os.path.join(session.virtualenv.location, "hosts")
    session.run(
        "vision-integrations",
        "demo",
        "--environments",
        env_root,
        *session.posargs,
        env=QUIET_HOSTS,
    )
