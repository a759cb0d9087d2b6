"""Local receivers for the alert channels, started by the tests on 127.0.0.1.

`HttpReceiver` is an aiohttp server on the test's event loop that records every request and
answers from a script per path (status, JSON or text, headers, delay); it stands in for a
webhook endpoint, Slack and the Telegram Bot API. `SmtpReceiver` is an aiosmtpd server (in its
own thread, as aiosmtpd runs) with optional STARTTLS or implicit TLS and login, recording every
message. Nothing here reaches beyond this machine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import socket
import ssl
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd import smtp as smtpd
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int = 200
    json: Any = None
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class HttpReceiver:
    """Records requests; answers each path from its script, then with its default."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[str, deque[Answer]] = {}
        self._defaults: dict[str, Answer] = {}
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self.port = 0

    def script(self, path: str, *answers: Answer, default: Answer | None = None) -> None:
        self._scripts[path] = deque(answers)
        if default is not None:
            self._defaults[path] = default

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def wait_for(self, path: str, count: int, timeout_s: float = 5.0) -> list[Received]:
        async with asyncio.timeout(timeout_s):
            while len(self.at(path)) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.at(path)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
            Received(
                method=request.method,
                path=request.path,
                query=request.query_string,
                headers={k.lower(): v for k, v in request.headers.items()},
                body=await request.read(),
            )
        )
        self._changed.set()
        script = self._scripts.get(request.path)
        answer = script.popleft() if script else self._defaults.get(request.path, Answer())
        if answer.delay_s:
            await asyncio.sleep(answer.delay_s)
        if answer.json is not None:
            return web.json_response(answer.json, status=answer.status, headers=answer.headers)
        return web.Response(status=answer.status, text=answer.text, headers=answer.headers)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def free_port() -> int:
    """A TCP port nobody listens on (also: where a 'down' receiver would be)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def self_signed(directory: Path) -> Certificate:
    """A certificate for localhost / 127.0.0.1 that is its own CA (the client's ca_file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_file, key_file)


@dataclass(frozen=True)
class Mail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class _Handler:
    def __init__(self, box: list[Mail]) -> None:
        self._box = box

    async def handle_DATA(self, server: smtpd.SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self._box.append(Mail(str(envelope.mail_from), tuple(envelope.rcpt_tos), message))
        return "250 OK"


class SmtpReceiver:
    """aiosmtpd on 127.0.0.1: ``tls`` is None, ``"starttls"`` or ``"tls"`` (implicit);
    with ``login`` set (STARTTLS only), AUTH PLAIN with that (user, password) is required."""

    def __init__(
        self,
        *,
        tls: str | None = None,
        certificate: Certificate | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.mail: list[Mail] = []
        self.logins: list[tuple[str, str]] = []
        self.port = free_port()
        self._login = login
        kwargs: dict[str, Any] = {}
        if tls == "starttls":
            assert certificate is not None
            kwargs.update(tls_context=certificate.server_context(), require_starttls=True)
        elif tls == "tls":
            assert certificate is not None
            kwargs.update(ssl_context=certificate.server_context())
        if login is not None:
            # PLAIN only: smtplib tries it first, and one failed attempt gives one clear 535.
            kwargs.update(
                authenticator=self._authenticate,
                auth_required=True,
                auth_exclude_mechanism=["LOGIN"],
            )
        self._controller = Controller(
            _Handler(self.mail), hostname="127.0.0.1", port=self.port, **kwargs
        )

    def _authenticate(
        self, server: smtpd.SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        pair = (data.login.decode(), data.password.decode())
        self.logins.append(pair)
        return AuthResult(success=pair == self._login, handled=False)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
