"""Drive the core through every token-service and API fault, over real sockets.

Each case runs against the local emulator (or a closed port, or a tiny
redirecting server on loopback) and checks three things: what the caller
gets, exactly how many token requests reached the authorization server, and
that no client secret or issued token shows in the exception or in the
package's DEBUG logs. Nothing is mocked; retry waits are real but kept short
with small retry budgets and one-second server-requested waits.
"""

from __future__ import annotations

import http.server
import logging
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from vision_integrations import (
    REFRESH_MARGIN,
    AccessToken,
    FileTokenCache,
    TokenManager,
    TokenSealer,
    VisionAPIError,
    VisionAuthError,
    VisionRateLimitError,
    VisionSession,
    VisionSettings,
    VisionTokenServiceError,
    raise_for_api_error,
)
from vision_integrations.testing import TokenFault, VisionEmulator

LOGGER = "vision_integrations"
HTML_PAGE = "<!DOCTYPE html><html><body><h1>503 Service Unavailable</h1></body></html>"


@pytest.fixture
def emu() -> Iterator[VisionEmulator]:
    with VisionEmulator() as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    return caplog


def settings_for(
    emu: VisionEmulator, cache_dir: Path, **changes: object
) -> VisionSettings:
    values: dict[str, object] = {
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        "auth_url": emu.auth_url,
        "audience": emu.audience,
        "api_base_url": emu.api_base_url,
        "cache_dir": cache_dir,
        "retry_budget": 5.0,
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
    }
    values.update(changes)
    return VisionSettings.create(**values)  # type: ignore[arg-type]


def exception_text(exc: BaseException) -> str:
    """Return everything a user could see of an exception, chain included."""
    shown = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return f"{exc}\n{exc!r}\n{shown}"


def assert_nothing_secret(
    emu: VisionEmulator,
    caplog: pytest.LogCaptureFixture,
    *texts: str,
    extra: tuple[str, ...] = (),
) -> None:
    secrets = [emu.client_secret, *emu.issued_tokens(), *extra]
    assert emu.issued_tokens() or extra or texts, "nothing was scanned"
    for where, text in [("logs", caplog.text), *(("output", t) for t in texts)]:
        for secret in secrets:
            assert secret not in text, f"a secret leaked into the {where}"


def token_body(value: str, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {"access_token": value}
    body.update(fields)
    return body


# Rate limits and server faults, then success


def test_429_with_retry_after_waits_then_succeeds(emu, tmp_path, caplog):
    emu.script_token_responses(TokenFault.rate_limited(retry_after=1))
    manager = TokenManager(settings_for(emu, tmp_path))

    started = time.monotonic()
    token = manager.get_token()

    assert time.monotonic() - started >= 0.9  # the server's wait was honoured
    assert token.value == emu.issued_tokens()[-1]
    assert emu.token_requests() == 2
    assert "rate-limited" in caplog.text
    assert_nothing_secret(emu, caplog)


def test_429_with_ratelimit_reset_waits_then_succeeds(emu, tmp_path, caplog):
    emu.script_token_responses(TokenFault.rate_limited_until(int(time.time()) + 1))
    manager = TokenManager(settings_for(emu, tmp_path))

    token = manager.get_token()

    assert token.value == emu.issued_tokens()[-1]
    assert emu.token_requests() == 2
    assert_nothing_secret(emu, caplog)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_is_retried_then_succeeds(emu, tmp_path, caplog, status):
    emu.script_token_responses(TokenFault.status(status))
    manager = TokenManager(settings_for(emu, tmp_path))

    token = manager.get_token()

    assert token.is_fresh()
    assert emu.token_requests() == 2
    assert f"HTTP {status}" in caplog.text
    assert_nothing_secret(emu, caplog)


def test_several_server_errors_in_a_row_then_success(emu, tmp_path, caplog):
    emu.script_token_responses(
        TokenFault.status(500), TokenFault.status(502), TokenFault.status(503)
    )
    token = TokenManager(settings_for(emu, tmp_path, retry_budget=20)).get_token()

    assert token.value == emu.issued_tokens()[-1]
    assert emu.token_requests() == 4
    assert_nothing_secret(emu, caplog)


def test_429_asking_for_more_than_the_budget_fails_at_once(emu, tmp_path, caplog):
    emu.script_token_responses(TokenFault.rate_limited(retry_after=120))
    manager = TokenManager(settings_for(emu, tmp_path, retry_budget=5))

    started = time.monotonic()
    with pytest.raises(VisionRateLimitError) as caught:
        manager.get_token()

    assert time.monotonic() - started < 3  # did not sleep towards the 120 s
    assert caught.value.retry_after == 120
    assert caught.value.status_code == 429
    assert "Client quota exceeded" in str(caught.value)
    assert emu.token_requests() == 1
    assert_nothing_secret(emu, caplog, exception_text(caught.value))


# Network faults


def test_answer_slower_than_read_timeout_fails_within_budget(emu, tmp_path, caplog):
    emu.script_token_responses(TokenFault.delay(3))
    manager = TokenManager(
        settings_for(emu, tmp_path, read_timeout=0.5, retry_budget=0)
    )

    with pytest.raises(VisionTokenServiceError) as caught:
        manager.get_token()

    assert "timed out" in str(caught.value)
    assert caught.value.status_code is None
    assert emu.token_requests() == 1
    assert_nothing_secret(emu, caplog, exception_text(caught.value))


def test_answer_slower_than_read_timeout_is_retried(emu, tmp_path, caplog):
    emu.script_token_responses(TokenFault.delay(3))
    manager = TokenManager(settings_for(emu, tmp_path, read_timeout=0.5))

    token = manager.get_token()

    # The slow answer was issued too, but never reached the client.
    assert emu.token_requests() == 2
    assert token.value == emu.issued_tokens()[-1]
    assert_nothing_secret(emu, caplog)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_refused_fails_clearly(emu, tmp_path, caplog):
    refused_url = f"http://127.0.0.1:{closed_port()}/oauth/token"
    settings = settings_for(emu, tmp_path, auth_url=refused_url, retry_budget=0)

    with pytest.raises(VisionTokenServiceError) as caught:
        TokenManager(settings).get_token()

    assert refused_url in str(caught.value)
    assert "ConnectionError" in str(caught.value)
    assert "retrying" not in caplog.text  # a zero budget allows one attempt
    assert emu.token_requests() == 0
    assert_nothing_secret(emu, caplog, exception_text(caught.value))


# Unusable answers


def test_malformed_json_is_a_clear_error_without_retry(emu, tmp_path, caplog):
    emu.script_token_responses(TokenFault.malformed())

    with pytest.raises(VisionTokenServiceError) as caught:
        TokenManager(settings_for(emu, tmp_path)).get_token()

    assert "not with a JSON object" in str(caught.value)
    assert caught.value.status_code == 200
    assert emu.token_requests() == 1
    assert_nothing_secret(emu, caplog, exception_text(caught.value))


def test_html_error_page_then_success(emu, tmp_path, caplog):
    emu.script_token_responses(TokenFault.html(502))

    token = TokenManager(settings_for(emu, tmp_path)).get_token()

    assert token.value == emu.issued_tokens()[-1]
    assert emu.token_requests() == 2
    assert "<html" not in caplog.text.lower()
    assert_nothing_secret(emu, caplog)


def test_persistent_html_error_page_fails_after_the_budget(emu, tmp_path, caplog):
    # A one-second Retry-After makes the attempt count exact: t=0, t=1, t=2,
    # and a third wait would end past the 2.5 s budget.
    page = TokenFault.status(
        503, HTML_PAGE, {"Content-Type": "text/html", "Retry-After": "1"}
    )
    emu.script_token_responses(*[page] * 10)

    with pytest.raises(VisionTokenServiceError) as caught:
        TokenManager(settings_for(emu, tmp_path, retry_budget=2.5)).get_token()

    assert not isinstance(caught.value, VisionRateLimitError)
    assert caught.value.status_code == 503
    assert "<html" not in str(caught.value).lower()
    assert emu.token_requests() == 3
    assert_nothing_secret(emu, caplog, exception_text(caught.value))


def test_answer_without_access_token_is_refused(emu, tmp_path, caplog):
    emu.script_token_responses(
        TokenFault.body(200, {"expires_in": 3600, "token_type": "Bearer"})
    )

    with pytest.raises(VisionTokenServiceError) as caught:
        TokenManager(settings_for(emu, tmp_path)).get_token()

    assert "without an access_token" in str(caught.value)
    assert emu.token_requests() == 1
    assert_nothing_secret(emu, caplog, exception_text(caught.value))


def test_answer_without_expires_in_falls_back_to_jwt_exp(emu, tmp_path, caplog):
    minted = emu.mint_token(lifetime=3600)
    emu.script_token_responses(
        TokenFault.body(200, token_body(minted, token_type="Bearer"))
    )
    session = VisionSession(manager=TokenManager(settings_for(emu, tmp_path)))

    response = session.get("inspections")

    assert response.status_code == 200
    token = session.manager.get_token()
    assert token.value == minted
    expected = datetime.fromtimestamp(int(emu.now()) + 3600, tz=timezone.utc)
    assert abs(token.expires_at - expected) <= timedelta(seconds=2)
    assert emu.token_requests() == 1
    assert_nothing_secret(emu, caplog, repr(token), repr(session), extra=(minted,))


def test_answer_with_neither_expires_in_nor_exp_is_refused(emu, tmp_path, caplog):
    opaque = "opaque-token-without-claims"
    emu.script_token_responses(TokenFault.body(200, token_body(opaque)))

    with pytest.raises(VisionTokenServiceError) as caught:
        TokenManager(settings_for(emu, tmp_path)).get_token()

    assert "neither a numeric expires_in nor a JWT exp" in str(caught.value)
    assert emu.token_requests() == 1
    assert_nothing_secret(emu, caplog, exception_text(caught.value), extra=(opaque,))


def test_wrong_token_type_is_refused(emu, tmp_path, caplog):
    minted = emu.mint_token(lifetime=3600)
    emu.script_token_responses(
        TokenFault.body(200, token_body(minted, expires_in=3600, token_type="MAC"))
    )

    with pytest.raises(VisionTokenServiceError) as caught:
        TokenManager(settings_for(emu, tmp_path)).get_token()

    assert "token_type 'MAC'" in str(caught.value)
    assert emu.token_requests() == 1
    assert_nothing_secret(emu, caplog, exception_text(caught.value), extra=(minted,))


# Refusals: immediate, clear, never retried


def test_401_wrong_secret_fails_at_once_with_auth0_fields(emu, tmp_path, caplog):
    wrong = "not-the-secret-at-all"
    settings = settings_for(emu, tmp_path, client_secret=wrong)

    with pytest.raises(VisionAuthError) as caught:
        TokenManager(settings).get_token()

    error = caught.value
    assert (error.status_code, error.error, error.error_description) == (
        401,
        "access_denied",
        "Unauthorized",
    )
    assert error.client_id == emu.client_id
    assert emu.client_id in str(error)
    assert emu.token_requests() == 1
    assert "retrying" not in caplog.text
    assert_nothing_secret(emu, caplog, exception_text(error), extra=(wrong,))


@pytest.mark.parametrize("cause", ["client not granted", "wrong audience"])
def test_403_fails_at_once_with_auth0_fields(emu, tmp_path, caplog, cause):
    if cause == "client not granted":
        emu.add_client("ungranted", "ungranted-secret", granted=False)
        settings = settings_for(
            emu, tmp_path, client_id="ungranted", client_secret="ungranted-secret"
        )
        described = "Client is not authorized to access"
    else:
        settings = settings_for(emu, tmp_path, audience="https://elsewhere.example")
        described = "Service not enabled within domain"

    with pytest.raises(VisionAuthError) as caught:
        TokenManager(settings).get_token()

    error = caught.value
    assert (error.status_code, error.error) == (403, "access_denied")
    assert error.error_description is not None
    assert error.error_description.startswith(described)
    assert error.client_id == settings.client_id
    assert emu.token_requests() == 1
    assert_nothing_secret(
        emu, caplog, exception_text(error), extra=("ungranted-secret",)
    )


# The API refuses a token


def test_api_401_mid_run_refreshes_once_and_replays_the_post(emu, tmp_path, caplog):
    session = VisionSession(manager=TokenManager(settings_for(emu, tmp_path)))
    assert session.get("inspections").status_code == 200
    emu.revoke()

    created = session.post("inspections", json={"title": "replayed body"})

    assert created.status_code == 201
    assert created.json()["result"]["title"] == "replayed body"
    assert [r.status_code for r in created.history] == [401]
    listing = session.get("inspections").json()
    assert listing["totalResults"] == 58  # created once, not twice
    assert emu.token_requests() == 2
    assert emu.api_calls(authorized=False) == 1
    assert emu.api_calls(authorized=True) == 3
    replayed_with = created.request.headers["Authorization"]
    assert replayed_with == f"Bearer {emu.issued_tokens()[-1]}"
    assert_nothing_secret(emu, caplog)


def test_api_401_that_persists_is_returned_without_looping(emu, tmp_path, caplog):
    # Tokens for another audience: issued fine, refused by this API every time.
    foreign = [emu.mint_token(audience="https://other.example") for _ in range(3)]
    emu.script_token_responses(
        *(TokenFault.body(200, token_body(t, expires_in=3600)) for t in foreign)
    )
    session = VisionSession(manager=TokenManager(settings_for(emu, tmp_path)))

    response = session.get("inspections")

    assert response.status_code == 401
    assert emu.token_requests() == 2
    assert emu.api_calls(authorized=False) == 2
    with pytest.raises(VisionAPIError) as caught:
        raise_for_api_error(response)
    assert caught.value.status_code == 401
    assert_nothing_secret(emu, caplog, exception_text(caught.value), extra=(*foreign,))


# Sealed records in the file cache that must not open


def minted_token(emu: VisionEmulator) -> AccessToken:
    now = datetime.now(timezone.utc)
    return AccessToken(
        value=emu.mint_token(lifetime=3600),
        expires_at=now + timedelta(hours=1),
        obtained_at=now,
    )


def foreign_record(emu: VisionEmulator, tmp_path: Path, kind: str) -> str:
    if kind == "other client":
        emu.add_client("other-client", "other-secret")
        other = settings_for(
            emu, tmp_path, client_id="other-client", client_secret="other-secret"
        )
    elif kind == "other region":
        # Same emulator, another authorization URL: a different identity.
        other = settings_for(
            emu, tmp_path, auth_url=emu.auth_url.replace("127.0.0.1", "localhost")
        )
    else:
        other = settings_for(emu, tmp_path, audience="https://eu.vision.example")
    return TokenSealer(other).seal(minted_token(emu))


@pytest.mark.parametrize(
    "record_kind",
    [
        "garbage",
        "damaged seal",
        "other client",
        "other region",
        "other audience",
        "rotated secret",
    ],
)
def test_sealed_record_that_does_not_open_is_a_miss(emu, tmp_path, caplog, record_kind):
    settings = settings_for(emu, tmp_path)
    cache = FileTokenCache(settings)
    planted: AccessToken | None = None
    if record_kind == "rotated secret":
        planted = minted_token(emu)
        old = settings.replace(client_secret="the-secret-before-rotation")
        FileTokenCache(old).store(planted)  # same file: the path ignores secrets
        assert cache.path.exists()
    else:
        cache.directory.mkdir(parents=True, exist_ok=True)
        if record_kind == "garbage":
            record = "\x00not a token record at all\xff"
        elif record_kind == "damaged seal":
            good = TokenSealer(settings).seal(minted_token(emu))
            record = good[:-8] + ("A" * 8 if not good.endswith("A" * 8) else "B" * 8)
        else:
            record = foreign_record(emu, tmp_path, record_kind)
        cache.path.write_text(record, encoding="utf-8", errors="replace")

    token = TokenManager(settings).get_token()

    assert token.value == emu.issued_tokens()[-1]
    assert emu.token_requests(emu.client_id) == 1
    reopened = FileTokenCache(settings).load()
    assert reopened is not None
    assert reopened.value == token.value  # the bad record was replaced
    extra = (planted.value,) if planted else ()
    assert_nothing_secret(
        emu,
        caplog,
        extra=(*extra, "other-secret", "the-secret-before-rotation"),
    )


# Time passes during a long task


class MovableClock:
    """A clock the test moves forward, standing in for hours of work."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


def test_clock_past_the_margin_fetches_before_sending(tmp_path, caplog):
    lifetime = 900
    with VisionEmulator(token_lifetime=lifetime) as emu:
        clock = MovableClock()
        manager = TokenManager(settings_for(emu, tmp_path), clock=clock)
        session = VisionSession(manager=manager)
        first = session.get("inspections")
        session.get("inspections/1")
        assert emu.token_requests() == 1

        # Leave less than the refresh margin of the first token's life; the
        # emulator's clock moves too, since the time really passed for both.
        elapsed = lifetime - REFRESH_MARGIN.total_seconds() + 1
        clock.offset = timedelta(seconds=elapsed)
        emu.advance_clock(elapsed)
        later = session.get("inspections")

        assert later.status_code == 200
        assert not later.history  # sent with the new token, not refused first
        assert emu.token_requests() == 2
        assert emu.api_calls(authorized=False) == 0
        assert (
            later.request.headers["Authorization"]
            != first.request.headers["Authorization"]
        )
        assert later.request.headers["Authorization"].endswith(emu.issued_tokens()[-1])
        assert_nothing_secret(emu, caplog)


# Redirects


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Record each request's headers, then redirect or answer 200."""

    redirect_to: str | None = None
    seen: list[dict[str, str]]

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers.items()))
        if self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        body = b'{"response_code": 200}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve_recorder() -> Iterator[object]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(redirect_to: str | None) -> tuple[int, list[dict[str, str]]]:
        handler = type("Handler", (_Recorder,), {"redirect_to": redirect_to})
        handler.seen = []
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return int(server.server_address[1]), handler.seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_redirect_to_another_host_carries_no_token(
    emu, tmp_path, caplog, serve_recorder
):
    landing_port, landing_seen = serve_recorder(None)
    # "localhost" is another host name than 127.0.0.1, as requests judges it.
    api_port, api_seen = serve_recorder(f"http://localhost:{landing_port}/landing")
    settings = settings_for(
        emu, tmp_path, api_base_url=f"http://127.0.0.1:{api_port}/v3"
    )
    session = VisionSession(manager=TokenManager(settings))

    response = session.get("inspections")

    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [302]
    assert api_seen[0]["Authorization"].startswith("Bearer ")
    assert "Authorization" not in landing_seen[0]
    assert emu.token_requests() == 1
    assert_nothing_secret(emu, caplog)
