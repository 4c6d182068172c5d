"""The bot's Prometheus metrics, in a registry of its own.

A private `CollectorRegistry` (never prometheus-client's global default) keeps metrics part of
the app graph: two graphs in one process (tests, the load bench) count separately, and nothing
registers itself at import time. Label values are bounded (platform names, error kinds chosen
by our code), never user text, so the series count cannot grow with traffic.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
)
from prometheus_client.exposition import choose_encoder

# Answers take milliseconds on the bundled index; the tail buckets catch a slow disk or a
# big ingested corpus. Seconds, as Prometheus expects.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Counters and a latency histogram; `exposition()` renders them for `/metrics`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._questions = Counter(
            "briefbot_questions",
            "Questions the core replied to (answered or abstained), by platform.",
            ["platform"],
            registry=self.registry,
        )
        self._abstentions = Counter(
            "briefbot_abstentions",
            "Questions the sources did not cover (the bot said so instead of answering).",
            ["platform"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "briefbot_answer_latency_seconds",
            "Time from question to reply in the core (search, ranking, composing, chat state).",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._digests_sent = Counter(
            "briefbot_digests_sent", "Daily digests delivered.", registry=self.registry
        )
        self._digests_failed = Counter(
            "briefbot_digests_failed",
            "Daily digests that could not be delivered.",
            registry=self.registry,
        )
        self._platform_errors = Counter(
            "briefbot_platform_errors",
            "Errors talking to a chat platform, by platform and kind (e.g. network, forbidden).",
            ["platform", "kind"],
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)  # RSS, CPU, open fds (Linux; empty elsewhere)

    def question(self, platform: str, seconds: float, *, abstained: bool) -> None:
        """One question handled by the core, how long it took, and whether the bot abstained."""
        self._questions.labels(platform).inc()
        self._latency.labels(platform).observe(seconds)
        if abstained:
            self._abstentions.labels(platform).inc()

    def digest_sent(self) -> None:
        self._digests_sent.inc()

    def digest_failed(self) -> None:
        self._digests_failed.inc()

    def platform_error(self, platform: str, kind: str) -> None:
        """`kind` must come from a small fixed set (an exception class name is fine)."""
        self._platform_errors.labels(platform, kind).inc()

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """A sample's current value (0 when absent): for `briefbot` summaries and tests."""
        found = self.registry.get_sample_value(name, labels or {})
        return 0.0 if found is None else found

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The registry and its content type, in the format the scraper's Accept header asks
        for: OpenMetrics for a Prometheus that offers it, else the classic text format."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type
