"""Server-side request forgery: the bot fetches only public addresses unless told otherwise.

A chat admin (or a hostile page's redirect) must not make the bot fetch from loopback, the
private networks or the cloud metadata address, and the chat must not learn which of them
answer: every refusal and network error reads the same; the operator's log has the detail.
The local source server is on 127.0.0.1, so "public" is simulated by a fake name look-up
(news.test -> 127.0.0.1) that the test's gatekeeper lets through for that name only.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.app import open_app
from bot.config import load_settings
from bot.core.model import Message
from knowledge.readers.fetch import (
    UNREACHABLE,
    Fetcher,
    FetchError,
    FetchLimits,
    without_credentials,
)
from knowledge.readers.gatekeeper import Gatekeeper, public
from tests.web_sources import SourceServer

PUBLIC_NAME = "news.test"


class FakeLookup(AbstractResolver):
    """Every name resolves to 127.0.0.1 (where the source server is); no DNS is asked."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


class NewsIsPublic(Gatekeeper):
    """As in production, except that news.test counts as a public site."""

    def permits(self, host: str, address: str) -> bool:
        return host == PUBLIC_NAME or super().permits(host, address)


def strict_fetcher() -> Fetcher:
    limits = FetchLimits(connect_timeout=2.0, read_timeout=2.0, max_redirects=3)
    return Fetcher(limits, lookup=FakeLookup(), gatekeeper=NewsIsPublic)


def on_public_name(server: SourceServer, path: str) -> str:
    return server.url(path).replace("127.0.0.1", PUBLIC_NAME)


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:{port}/article.html",
        "http://localhost:{port}/article.html",  # a name that resolves to loopback
        "http://10.1.2.3/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:{port}/article.html",
        "http://[::1]:{port}/article.html",
        "http://192.168.0.1/",
    ],
)
async def test_private_addresses_are_refused_with_one_generic_message(server, address, caplog):
    url = address.format(port=server.url("").rsplit(":", 1)[1].strip("/"))
    with (
        caplog.at_level(logging.WARNING, logger="knowledge.readers.fetch"),
        pytest.raises(FetchError) as refused,
    ):
        await strict_fetcher().fetch(url)
    assert str(refused.value) == f"{url}: {UNREACHABLE}"
    assert "not a public address" in caplog.text  # the operator sees why


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("8.8.8.8", True), ("2606:4700::1111", True), ("::ffff:8.8.8.8", True),
        ("127.0.0.1", False), ("10.0.0.1", False), ("172.16.0.1", False),
        ("192.168.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
        ("0.0.0.0", False), ("::1", False), ("::", False), ("fc00::1", False),
        ("fe80::1%eth0", False), ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False),
        ("::127.0.0.1", False), ("2002:7f00:1::1", False), ("64:ff9b::a9fe:a9fe", False),
    ],
)  # fmt: skip
def test_only_globally_routable_addresses_are_public(address, allowed):
    assert public(address) is allowed


async def test_the_public_site_is_fetched_and_its_own_redirects_followed(server):
    fetched = await strict_fetcher().fetch(on_public_name(server, "redirect?to=/article.html"))
    assert fetched.final_url == on_public_name(server, "article.html")
    assert b"Komsomolsk" in fetched.body


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/article.html",
        "http://localhost:{port}/article.html",
        "http://[::ffff:127.0.0.1]:{port}/article.html",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/",
    ],
)
async def test_a_public_page_redirecting_into_the_private_network_is_refused(server, target):
    port = server.url("").rsplit(":", 1)[1].strip("/")
    start = on_public_name(server, "redirect") + "?to=" + quote(target.format(port=port), safe="")
    with pytest.raises(FetchError) as refused:
        await strict_fetcher().fetch(start)
    assert UNREACHABLE in str(refused.value)


@pytest.mark.parametrize("location", ["http://[::1", "gopher://x/", "file:///etc/passwd"])
async def test_a_malformed_or_non_http_redirect_is_one_clean_refusal(server, location):
    start = on_public_name(server, "redirect") + "?to=" + quote(location, safe="")
    with pytest.raises(FetchError) as refused:
        await strict_fetcher().fetch(start)
    assert str(refused.value) == f"{start}: {UNREACHABLE}"


async def test_chat_ingest_of_a_private_address_says_only_could_not_fetch(tmp_path: Path, server):
    settings = load_settings(None, ingest={"admins": ["console:boss"]})  # private: refused
    async with open_app(settings, db_path=tmp_path / "ssrf.sqlite3") as app:
        before = await app.store.passage_count()
        for url in (server.url("article.html"), server.url("missing"), "http://10.9.9.9:22/"):
            reply = await app.core.handle(Message("console", "c", "boss", f"/ingest {url}"))
            assert reply.body == (f"Could not ingest: {url}: {UNREACHABLE}",)
        assert await app.store.passage_count() == before


async def test_the_setting_lets_an_operator_ingest_from_the_intranet(server):
    limits = FetchLimits(allow_private_networks=True)
    fetched = await Fetcher(limits).fetch(server.url("article.html"))
    assert b"Komsomolsk" in fetched.body


def test_the_setting_comes_from_the_environment(monkeypatch):
    assert load_settings(None).ingest.allow_private_networks is False
    monkeypatch.setenv("BRIEFBOT_INGEST__ALLOW_PRIVATE_NETWORKS", "true")
    assert load_settings(None).ingest.allow_private_networks is True


# -- credentials in a URL ------------------------------------------------------------------
def test_without_credentials_strips_user_and_password_only():
    assert (
        without_credentials("https://ann:s3cret@host.test/a@b?q=1") == "https://host.test/a@b?q=1"
    )
    assert without_credentials("http://host.test/x?mail=a@b") == "http://host.test/x?mail=a@b"


async def test_credentials_are_neither_stored_nor_shown(tmp_path: Path, server, caplog):
    settings = load_settings(
        None, ingest={"admins": ["console:boss"], "allow_private_networks": True}
    )
    secret = "pa55word"
    with_creds = server.url("article.html").replace("://", f"://ann:{secret}@")
    bad = server.url("missing").replace("://", f"://ann:{secret}@")
    async with open_app(settings, db_path=tmp_path / "creds.sqlite3") as app:
        with caplog.at_level(logging.DEBUG):
            good = await app.core.handle(Message("console", "c", "boss", f"/ingest {with_creds}"))
            failed = await app.core.handle(Message("console", "c", "boss", f"/ingest {bad}"))
        sources = await app.library.sources()
        listing = await app.core.handle(Message("console", "c", "anyone", "/sources"))
    stored = [s.meta.url for s in sources if s.meta.url]
    assert server.url("article.html") in stored
    shown = " ".join((*good.body, *failed.body, *listing.body, *stored, caplog.text))
    assert secret not in shown
    assert "ann:" not in shown
