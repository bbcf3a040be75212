"""The request object of the app: werkzeug's, with its parts read on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.datastructures import (
    EnvironHeaders,
    Headers,
    ImmutableMultiDict,
    MultiDict,
)
from werkzeug.utils import cached_property
from werkzeug.wrappers import Request

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


def _wsgi_text(value: str) -> str:
    """Decode a WSGI string (bytes as latin-1) as UTF-8, as werkzeug does."""
    if value.isascii():
        return value
    return value.encode("latin-1").decode(errors="replace")


_NO_ARGS: ImmutableMultiDict[str, str] = ImmutableMultiDict()


class APIRequest(Request):
    """A werkzeug ``Request`` that reads each part of the environ when asked.

    werkzeug's constructor decodes the path, the script name, the server
    address and the headers of every request. Most Engine API requests
    need the path and the method only, so the other parts wait for their
    first use. Each reads the environ as werkzeug's constructor would.
    """

    def __init__(self, environ: WSGIEnvironment) -> None:
        # werkzeug's constructor is skipped on purpose, because these
        # attributes and the properties below replace it.
        self.environ = environ
        self.shallow = False
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.path = "/" + _wsgi_text(environ.get("PATH_INFO") or "").lstrip("/")

    @cached_property
    def args(self) -> MultiDict[str, str]:
        """The query parameters. Requests without a query share one empty set."""
        if not self.environ.get("QUERY_STRING"):
            return _NO_ARGS
        return super().args

    @cached_property
    def scheme(self) -> str:
        """The URL scheme, such as ``http``."""
        scheme: str = self.environ.get("wsgi.url_scheme", "http")
        return scheme

    @cached_property
    def server(self) -> tuple[str, int | None] | None:
        """The server's address: ``(host, port)``, or ``(path, None)``."""
        return Request(self.environ, populate_request=False).server

    @cached_property
    def root_path(self) -> str:
        """The prefix the app is mounted under, without a trailing slash."""
        return _wsgi_text(self.environ.get("SCRIPT_NAME") or "").rstrip("/")

    @cached_property
    def query_string(self) -> bytes:
        """The raw query string."""
        text: str = self.environ.get("QUERY_STRING", "")
        return text.encode("latin1")

    @cached_property
    def headers(self) -> Headers:
        """The request headers, read from the environ."""
        return EnvironHeaders(self.environ)

    @cached_property
    def remote_addr(self) -> str | None:
        """The client's address."""
        address: str | None = self.environ.get("REMOTE_ADDR")
        return address
