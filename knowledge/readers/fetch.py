"""Fetch one http(s) URL safely: bounded time, bounded size, bounded redirects, known types.

Anything that goes wrong becomes a `FetchError` whose message names the URL and says what
happened in words a person adding a source can act on; nothing is ever partially returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import aiohttp

USER_AGENT = "briefbot/0.1 (source ingest)"
# What we can read, by declared content type -> reader kind.
CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "text",
    "application/pdf": "pdf",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/xml": "feed",
    "text/xml": "feed",
}


class FetchError(Exception):
    """A URL that could not be fetched; str() is one line for the person ingesting."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    final_url: str
    content_type: str
    charset: str | None
    body: bytes

    @property
    def kind(self) -> str:
        return CONTENT_TYPES.get(self.content_type, "text")


def is_url(target: str) -> bool:
    """Does this CLI/chat argument mean a URL (any scheme) rather than a file path?"""
    return "://" in target


def check_url(url: str) -> str:
    """Refuse anything but http(s) with a host, before any connection is made."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}://" if scheme else "a URL without a scheme"
        raise FetchError(f"{url}: only http:// and https:// addresses can be ingested, not {shown}")
    if not parts.hostname:
        raise FetchError(f"{url}: the address has no host name")
    return url.strip()


class Fetcher:
    """Fetches with a fresh session per call: ingest is rare, and nothing is left open."""

    def __init__(self, limits: FetchLimits | None = None) -> None:
        self.limits = limits or FetchLimits()

    async def fetch(self, url: str) -> Fetched:
        # aiohttp's client takes ~0.2 s to import: only fetching a URL pays it, not every `ask`
        import aiohttp

        url = check_url(url)
        limits = self.limits
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=limits.connect_timeout, sock_read=limits.read_timeout
        )
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": USER_AGENT}) as s,
                s.get(url, max_redirects=limits.max_redirects) as response,
            ):
                return await self._read(url, response)
        except aiohttp.TooManyRedirects:
            raise FetchError(
                f"{url}: more than {limits.max_redirects} redirects (a redirect loop?)"
            ) from None
        except TimeoutError:
            raise FetchError(
                f"{url}: the server did not answer in time "
                f"(connect {limits.connect_timeout:g} s, read {limits.read_timeout:g} s)"
            ) from None
        except aiohttp.ClientError as exc:
            detail = str(exc) or exc.__class__.__name__
            raise FetchError(f"{url}: could not fetch it ({detail})") from None

    async def _read(self, url: str, response: aiohttp.ClientResponse) -> Fetched:
        if response.status >= 400:
            raise FetchError(f"{url}: the server answered {response.status} {response.reason}")
        ctype = response.content_type.lower()
        if ctype not in CONTENT_TYPES:
            raise FetchError(f"{url}: it is {ctype}, not a web page, PDF, text or RSS/Atom feed")
        limit = self.limits.max_bytes
        if response.content_length is not None and response.content_length > limit:
            raise FetchError(f"{url}: it is larger than the {_size(limit)} limit")
        body = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > limit:
                raise FetchError(f"{url}: it is larger than the {_size(limit)} limit")
        return Fetched(url, str(response.url), ctype, response.charset, bytes(body))


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
