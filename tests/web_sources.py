"""A local web server (aiohttp, 127.0.0.1, port 0) serving the ingest tests' own fixtures:
an article, broken pages, a PDF, feeds, and misbehaving endpoints (too big, loop, slow)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web

ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Kim Goes Shopping in the Russian Far East</title>
<meta name="author" content="Mira Castellano">
<meta property="og:site_name" content="The Harbour Review">
<meta property="article:published_time" content="2023-09-15">
</head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/subscribe">Subscribe</a></nav>
<article>
<h1>Kim Goes Shopping in the Russian Far East</h1>
<p>Kim Jong Un wants Russian help with reconnaissance satellites, a Harbour Review analysis of
the summit finds: after two failed launches this year, Pyongyang needs rocket engineering it
cannot build alone, and the Vostochny cosmodrome was chosen as the meeting place for a reason.</p>
<p>Kim also wants food, fuel and hard currency. North Korea's economy has barely recovered from
the border closures of the pandemic, and Russian wheat and oil would ease shortages that
sanctions have made worse. In return, Moscow hopes for artillery shells for the war in Ukraine.</p>
<p>The Harbour Review counted at least nine Russian military sites that Kim toured during the
visit, from an aircraft factory in Komsomolsk-on-Amur to the Pacific Fleet in Vladivostok,
where he inspected hypersonic missiles and a frigate with the Russian defence minister.</p>
</article>
<footer>Leave a Reply. Your email address will not be published. Copyright 2023.</footer>
</body></html>"""

MALFORMED = """<html><head><title>Broken <b>markup</title><body><div><p>The delegation
<i>arrived <p>late in the evening, and the talks ran past midnight <div>according to officials
who briefed reporters the next morning at the hotel in Vladivostok <table><tr><td>
and who asked not to be named because they were not authorised to speak about the talks.
<p>A second paragraph follows, unclosed, about tractors and fertiliser deliveries </span></i>"""

IMAGE_ONLY = "<html><head><title>Gallery</title></head><body><img src='a.png'></body></html>"


def rss(entries: list[tuple[str, str, str]]) -> str:
    """RSS 2.0 with (guid, title, text) items."""
    when = format_datetime(datetime(2023, 9, 14, 8, 0, tzinfo=UTC))
    items = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title>"
        f"<link>http://example.test/{guid}</link><pubDate>{when}</pubDate>"
        f"<description><![CDATA[<p>{text}</p>]]></description></item>"
        for guid, title, text in entries
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Summit Wire</title>'
        f"<link>http://example.test/</link><description>news</description>{items}"
        "</channel></rss>"
    )


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Far East Notes</title>
<id>urn:uuid:feed-1</id><updated>2023-09-16T00:00:00Z</updated>
<entry><id>urn:uuid:entry-1</id><title>Rail link talks</title>
<updated>2023-09-16T00:00:00Z</updated>
<author><name>Olek Varga</name></author>
<content type="html">&lt;p&gt;Officials discussed a rail bridge over the Tumen River that would
carry Russian grain south and North Korean labourers north, a project first proposed decades
ago and revived at the summit.&lt;/p&gt;</content></entry>
<entry><id>urn:uuid:entry-2</id><title>Fishing rights</title><updated>2023-09-16T00:00:00Z</updated>
<summary>North Korean trawlers may gain access to Russian waters in the Sea of Japan under a
fisheries arrangement mentioned by a regional governor after the visit ended.</summary></entry>
</feed>"""


def text_pdf(lines: list[str], *, title: str = "Briefing Paper") -> bytes:
    """A minimal one-page PDF with a real text layer (Helvetica), written by hand."""
    ops = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (" + title.encode("latin-1") + b") /Author (Ada Brennan) >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def blank_pdf() -> bytes:
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class SourceServer:
    """Serves the fixtures; `rss_entries` can be changed between polls; `release` frees /slow."""

    def __init__(self) -> None:
        self.base = ""
        self.rss_entries: list[tuple[str, str, str]] = []
        self.release = asyncio.Event()
        self.big_bytes = 200_000
        self._runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    async def start(self) -> None:
        app = web.Application()
        html = "text/html"
        pages = {
            "/article.html": (ARTICLE.encode(), html, None),
            "/mirror/article.html": (ARTICLE.encode(), html, None),
            "/malformed.html": (MALFORMED.encode(), html, None),
            "/image-only.html": (IMAGE_ONLY.encode(), html, None),
            "/atom.xml": (ATOM.encode(), "application/atom+xml", None),
            "/paper.pdf": (_PAPER, "application/pdf", None),
            "/blank.pdf": (blank_pdf(), "application/pdf", None),
            "/latin1.txt": (_LATIN1, "text/plain", "iso-8859-1"),
            "/cp1252.txt": (_CP1252, "text/plain", None),
            "/picture.png": (b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png", None),
        }
        for path, (body, ctype, charset) in pages.items():
            app.router.add_get(path, _static(body, ctype, charset))
        app.router.add_get("/feed.rss", self._rss)
        app.router.add_get("/big.html", self._big)
        app.router.add_get("/loop", self._loop)
        app.router.add_get("/to-file", self._to_file)
        app.router.add_get("/redirect", self._redirect)
        app.router.add_get("/slow", self._slow)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def aclose(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _rss(self, request: web.Request) -> web.Response:
        return web.Response(body=rss(self.rss_entries).encode(), content_type="application/rss+xml")

    async def _big(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})  # no length
        await response.prepare(request)
        chunk = b"<p>" + b"word " * 2000 + b"</p>"
        sent = 0
        while sent < self.big_bytes:  # bounded: stops once past the size
            await response.write(chunk)
            sent += len(chunk)
        await response.write_eof()
        return response

    async def _loop(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def _to_file(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    async def _redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])  # /redirect?to=ADDRESS

    async def _slow(self, request: web.Request) -> web.Response:
        await self.release.wait()  # answers only when the test ends
        return web.Response(text="too late", content_type="text/html")


def _static(body: bytes, ctype: str, charset: str | None) -> Callable[..., Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=ctype, charset=charset)

    return handler


_PAPER = text_pdf(
    [
        "Sanctions monitors told the panel that Russian oil deliveries to North Korea",
        "exceeded the cap set by the Security Council within weeks of the summit.",
        "",
        "The panel's mandate expires next spring, and Moscow has said it will veto renewal.",
    ]
)
_LATIN1 = (
    "Note from Vladivostok\n\n"
    "Gérard Araud, a former French ambassador, said the summit was a théâtre of mutual need: "
    "Moscow short of shells, Pyongyang short of everything else. Ça change tout, he added."
).encode("latin-1")
_CP1252 = (
    "Harbour memo\n\n"
    "The governor\u2019s office said \u201cthe port is ready\u201d \u2013 and it expects "
    "the first grain shipment within a month, according to the regional ministry."
).encode("cp1252")
