"""Run a local Vision service: token endpoint, API routes and control routes.

``VisionEmulator`` serves real HTTP on loopback from a background thread, so
code under test talks to it exactly as it would to the real service, and the
emulator's counters say how many tokens it asked for. Use it as a context
manager::

    with VisionEmulator() as emu:
        session = make_session(**emu.env())
        ...
        assert emu.token_requests() == 1
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import threading
from collections.abc import Mapping
from types import TracebackType

from vision_integrations.testing.admin import ControlRoutes
from vision_integrations.testing.api import API_PREFIX, VisionApi
from vision_integrations.testing.clock import EmulatorClock
from vision_integrations.testing.faults import FaultQueue, TokenFault
from vision_integrations.testing.inspections import DEFAULT_SEED_COUNT, InspectionStore
from vision_integrations.testing.ledger import EmulatorStats, Ledger, TokenRequestRecord
from vision_integrations.testing.messages import Reply, Request, vision_error
from vision_integrations.testing.oauth import (
    DEFAULT_AUDIENCE,
    DEFAULT_TOKEN_LIFETIME,
    AuthorizationServer,
)
from vision_integrations.testing.server import CONTROL_PREFIX, EmulatorHTTPServer

logger = logging.getLogger(__name__)

DEFAULT_CLIENT_ID = "emulator-client"
TOKEN_PATH = "/oauth/token"

# What a delayed token request gets when the emulator stops during the delay.
_STOPPING = Reply(
    503,
    b'{"error":"temporarily_unavailable","error_description":"Emulator stopping"}',
    (("Content-Type", "application/json"), ("Connection", "close")),
)


def check_loopback(host: str) -> str:
    """Return ``host`` as an IPv4 loopback address; raise ValueError otherwise."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or address.version != 4 or not address.is_loopback:
        raise ValueError(
            f"host={host!r} is not allowed: the Vision emulator only listens on "
            "an IPv4 loopback address such as 127.0.0.1, because it hands out "
            "test tokens and control routes without authentication"
        )
    return host


def _client_id_of(body: bytes) -> tuple[str, tuple[str, ...]]:
    # Lenient on purpose: even a malformed request is counted, under "".
    try:
        fields = json.loads(body)
    except ValueError:
        return "", ()
    if not isinstance(fields, dict):
        return "", ()
    client_id = fields.get("client_id")
    return (client_id if isinstance(client_id, str) else ""), tuple(sorted(fields))


class VisionEmulator:
    """Serve an emulated Vision token endpoint and API on 127.0.0.1.

    A default client (``client_id``/``client_secret``) is always registered;
    its secret is random per instance unless given. ``clients`` adds more.
    The emulator listens once started; ``url`` and friends need it started.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        audience: str = DEFAULT_AUDIENCE,
        token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str | None = None,
        clients: Mapping[str, str] | None = None,
        inspections: int = DEFAULT_SEED_COUNT,
    ) -> None:
        self._host = check_loopback(host)
        self._port = port
        self._client_id = client_id
        self._client_secret = client_secret or secrets.token_urlsafe(24)
        self._clock = EmulatorClock()
        self._ledger = Ledger()
        self._faults = FaultQueue()
        self._auth = AuthorizationServer(
            audience=audience, lifetime=token_lifetime, clock=self._clock
        )
        self._auth.lifetime = token_lifetime  # validates the value
        self._auth.add_client(self._client_id, self._client_secret)
        for extra_id, extra_secret in (clients or {}).items():
            self._auth.add_client(extra_id, extra_secret)
        store = InspectionStore(inspections, self._clock.now)
        self._api = VisionApi(store, self._auth.accepts, self._ledger)
        self._control = ControlRoutes(self)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def __repr__(self) -> str:
        where = self.url if self._server else "not started"
        return f"VisionEmulator({where}, client_id={self._client_id!r})"

    # Lifecycle

    def start(self) -> VisionEmulator:
        """Bind the socket and serve from a daemon thread; return self."""
        if self._server is not None:
            raise RuntimeError("this VisionEmulator is already running")
        if self._stopping.is_set():
            raise RuntimeError("a stopped VisionEmulator cannot be restarted")
        server = EmulatorHTTPServer(
            (self._host, self._port), self._route, self._ledger.record_connection
        )
        self._server = server
        self._auth.issuer = self.url + "/"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"vision-emulator-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("Vision emulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and release the port."""
        self._stopping.set()  # also cuts scripted delays short
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_all()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        """Tell whether the emulator is serving."""
        return self._server is not None

    def __enter__(self) -> VisionEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # Where it is and who may use it

    @property
    def url(self) -> str:
        """Return the base URL, ``http://127.0.0.1:PORT``."""
        if self._server is None:
            raise RuntimeError("start the VisionEmulator before asking for its URL")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        """Return the TCP port the emulator listens on."""
        return int(self.url.rsplit(":", 1)[1])

    @property
    def auth_url(self) -> str:
        """Return the token endpoint URL."""
        return self.url + TOKEN_PATH

    @property
    def api_base_url(self) -> str:
        """Return the API base URL (``…/v3``)."""
        return self.url + API_PREFIX

    @property
    def audience(self) -> str:
        """Return the audience tokens must be requested for."""
        return self._auth.audience

    @property
    def client_id(self) -> str:
        """Return the default client's ID."""
        return self._client_id

    @property
    def client_secret(self) -> str:
        """Return the default client's made-up secret."""
        return self._client_secret

    @property
    def token_lifetime(self) -> int:
        """Return the lifetime in seconds of tokens issued from now on."""
        return self._auth.lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        self._auth.lifetime = seconds

    def add_client(self, client_id: str, secret: str, *, granted: bool = True) -> None:
        """Register a client; ``granted=False`` is refused access to the API."""
        self._auth.add_client(client_id, secret, granted=granted)

    def env(self) -> dict[str, str]:
        """Return the VISION_* settings that point a client at this emulator."""
        return {
            "VISION_CLIENT_ID": self.client_id,
            "VISION_CLIENT_SECRET": self.client_secret,
            "VISION_AUTH_URL": self.auth_url,
            "VISION_AUDIENCE": self.audience,
            "VISION_API_BASE_URL": self.api_base_url,
        }

    # Counters

    def token_requests(self, client_id: str | None = None) -> int:
        """Return POSTs to the token endpoint, for one client ID or in total."""
        return self._ledger.token_requests(client_id)

    def token_request_log(self) -> list[TokenRequestRecord]:
        """Return every token request (client ID, content type, field names)."""
        return self._ledger.token_request_log()

    def api_calls(self, authorized: bool | None = None) -> int:
        """Return API calls: accepted (True), rejected with 401 (False), or all."""
        return self._ledger.api_calls(authorized)

    def issued_tokens(self) -> list[str]:
        """Return every token the endpoint issued, to scan logs and stores for."""
        return self._ledger.issued_tokens()

    def connections(self) -> int:
        """Return TCP connections that carried a token or API request."""
        return self._ledger.connections()

    def stats(self) -> EmulatorStats:
        """Return all counters at one instant, as ``GET /_emulator/stats`` does."""
        return self._ledger.snapshot()

    def reset_counters(self) -> None:
        """Zero the counters and forget issued tokens (they stay valid)."""
        self._ledger.reset()

    # Scripting

    def script_token_responses(self, *faults: TokenFault) -> None:
        """Queue faults the token endpoint answers with, one per request."""
        self._faults.push(*faults)

    def pending_faults(self) -> int:
        """Return how many scripted faults have not been used yet."""
        return len(self._faults)

    def revoke(self, token: str | None = None) -> int:
        """Revoke one token, or all issued so far; return how many were revoked."""
        return self._auth.revoke(token)

    def advance_clock(self, seconds: float) -> float:
        """Move the emulator's clock forward; return its new UNIX time."""
        return self._clock.advance(seconds)

    def now(self) -> float:
        """Return the emulator's current UNIX time."""
        return self._clock.now()

    def mint_token(
        self,
        client_id: str | None = None,
        *,
        audience: str | None = None,
        lifetime: int | None = None,
    ) -> str:
        """Sign a token directly, e.g. one with a wrong audience or long expired.

        It is not counted as a token request nor listed by ``issued_tokens``.
        """
        return self._auth.mint(
            client_id or self._client_id, audience=audience, lifetime=lifetime
        )

    # Routing

    def _route(self, request: Request) -> Reply:
        if request.path.startswith(CONTROL_PREFIX):
            return self._control.handle(request, request.path[len(CONTROL_PREFIX) :])
        if request.path == TOKEN_PATH:
            if request.method != "POST":
                return Reply.json(
                    405, {"error": "invalid_request", "error_description": "Use POST"}
                )
            return self._token(request)
        if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
            return self._api.handle(request)
        return vision_error(404, "Not Found")

    def _token(self, request: Request) -> Reply:
        client_id, fields = _client_id_of(request.body)
        # Counted on arrival, so that a test can see a request still in flight.
        self._ledger.record_token_request(client_id)
        fault = self._faults.pop()
        interrupted = False
        if fault is not None and fault.delay_seconds:
            interrupted = self._stopping.wait(fault.delay_seconds)
        scripted = fault.reply() if fault is not None else None
        if interrupted:
            reply = _STOPPING
        elif scripted is not None:
            reply = scripted
        else:
            grant = self._auth.grant(request.body, request.header("content-type"))
            if grant.token is not None:
                self._ledger.record_issued(grant.token)
            reply = grant.reply
        record = TokenRequestRecord(
            client_id=client_id,
            content_type=request.header("content-type") or "",
            fields=fields,
            status=reply.status,
        )
        self._ledger.log_token_request(record)
        logger.debug("token request for %r answered %s", client_id, reply.status)
        return reply
