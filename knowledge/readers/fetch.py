"""Fetch one http(s) URL safely: bounded time, bounded size, bounded redirects, known types.

Anything that goes wrong becomes a `FetchError` whose message names the URL and says what
happened in words a person adding a source can act on; nothing is ever partially returned.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:  # aiohttp's client takes ~0.13 s to import: only fetching pays it
    import aiohttp
    from aiohttp.abc import AbstractResolver

    from knowledge.readers.gatekeeper import Gatekeeper

log = logging.getLogger(__name__)

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


REDIRECTS = frozenset({301, 302, 303, 307, 308})
# The one answer for every refused address and network failure: a chat user must not learn
# which internal hosts exist or which ports answer. The operator's log has the detail.
UNREACHABLE = "could not fetch that address"
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")  # scheme://user:pw@


class FetchError(Exception):
    """A URL that could not be fetched; str() is one line for the person ingesting."""


class TooManyHops(Exception):
    """More redirects than `FetchLimits.max_redirects`."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    allow_private_networks: bool = False
    deadline: float = 60.0  # the whole fetch, redirects included (applied by the ingestor)


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
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        shown_url = without_credentials(url)
    except ValueError:  # e.g. an unclosed [IPv6 bracket
        raise FetchError("that is not a valid web address") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}://" if scheme else "a URL without a scheme"
        raise FetchError(
            f"{shown_url}: only http:// and https:// addresses can be ingested, not {shown}"
        )
    if not host:
        raise FetchError(f"{shown_url}: the address has no host name")
    return url


def without_credentials(url: str) -> str:
    """`url` without a user name or password (`https://user:pw@host/` -> `https://host/`):
    what is stored, shown and logged, so credentials are never echoed."""
    return _USERINFO.sub(r"\1", url.strip())


class Fetcher:
    """Fetches with a fresh session per call: ingest is rare, and nothing is left open.

    Only public addresses are fetched unless `limits.allow_private_networks` (see `Gatekeeper`);
    redirects are followed here, one hop at a time, so every hop is checked the same way.
    """

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        lookup: AbstractResolver | None = None,
        gatekeeper: type[Gatekeeper] | None = None,
    ) -> None:
        """`lookup` resolves host names (default: aiohttp's) and `gatekeeper` judges the
        addresses; tests pass fakes to simulate a public site on 127.0.0.1."""
        self.limits = limits or FetchLimits()
        self._lookup = lookup
        self._gatekeeper = gatekeeper

    async def fetch(self, url: str) -> Fetched:
        import aiohttp

        from knowledge.readers.gatekeeper import Gatekeeper, Refused

        url = check_url(url)
        shown = without_credentials(url)
        limits = self.limits
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=limits.connect_timeout, sock_read=limits.read_timeout
        )
        keeper = self._gatekeeper or Gatekeeper
        gate = keeper(self._lookup, allow_private=limits.allow_private_networks)
        connector = aiohttp.TCPConnector(resolver=gate, use_dns_cache=False)
        try:
            async with aiohttp.ClientSession(
                timeout=timeout, headers={"User-Agent": USER_AGENT}, connector=connector
            ) as session:
                return await self._follow(session, gate, url, shown)
        except TooManyHops:
            raise FetchError(
                f"{shown}: more than {limits.max_redirects} redirects (a redirect loop?)"
            ) from None
        except (TimeoutError, aiohttp.ClientError, Refused, ValueError) as exc:
            # (ValueError: a malformed Location header)
            log.warning("could not fetch %s: %s", shown, _detail(exc))
            raise FetchError(f"{shown}: {UNREACHABLE}") from None
        finally:
            await gate.close()  # the connector closes only a resolver it made itself

    async def _follow(
        self, session: aiohttp.ClientSession, gate: Gatekeeper, url: str, shown: str
    ) -> Fetched:
        """GET `url`, following at most `max_redirects` redirects, each hop checked first."""
        here = url
        for _ in range(self.limits.max_redirects + 1):
            gate.check_literal(urlsplit(here).hostname or "")
            async with session.get(here, allow_redirects=False) as response:
                location = response.headers.get("Location")
                if response.status not in REDIRECTS or not location:
                    return await self._read(shown, without_credentials(here), response)
            here = without_credentials(urljoin(here, location))
            try:
                check_url(here)
            except FetchError:
                from knowledge.readers.gatekeeper import Refused

                raise Refused(f"a redirect to {here.split(':', 1)[0]}:") from None
        raise TooManyHops

    async def _read(self, url: str, final: str, response: aiohttp.ClientResponse) -> Fetched:
        if response.status >= 400:  # like a refused connection: no hint of what is there
            log.warning("could not fetch %s: HTTP %s %s", url, response.status, response.reason)
            raise FetchError(f"{url}: {UNREACHABLE}")
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
        return Fetched(url, final, ctype, response.charset, bytes(body))


def _detail(exc: BaseException) -> str:
    """The operator's log line for a failed fetch: the cause aiohttp wrapped, if any."""
    from knowledge.readers.gatekeeper import Refused

    cause = exc.__cause__ or exc.__context__
    text = str(exc) or exc.__class__.__name__
    return f"{text} ({cause})" if isinstance(cause, Refused) else text


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
