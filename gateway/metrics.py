"""Prometheus metrics of the traffic crossing the gateway (DESIGN.md "URL map": ``/metrics``).

The hot path only notes each request (``observe`` runs on the event loop); the notes are counted in
batches and a custom collector turns the counts into ``sandbox_requests_total{service,status}`` and
``sandbox_request_duration_seconds{service}`` when ``/metrics`` is scraped. Each gateway app owns its
:class:`CollectorRegistry`, so several apps coexist in one test session.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST
GATEWAY_LABEL = "gateway"  # service label of requests that matched no service (404s, bad tenants)
PENDING = 1000
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics(Collector):
    """Request counts by service and status, and a latency histogram by service."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}
        # Per service: one count per bucket (the last one is +Inf), then the sum of observed seconds.
        self.latency: dict[str, list[float]] = {}
        self.pending: list[tuple[str | None, int, float]] = []  # observed, not yet counted
        self.faults: dict[tuple[str, str], int] = {}  # (service, kind) -> fault rules applied
        self.registry = CollectorRegistry()
        self.registry.register(self)

    def observe(self, service: str | None, status: int, seconds: float) -> None:
        """Note one request; it is counted in a batch, at the next scrape or every ``PENDING`` requests."""
        self.pending.append((service, status, seconds))
        if len(self.pending) >= PENDING:
            self.fold()

    def fault(self, service: str, kind: str) -> None:
        """Count one fault applied (gateway/faults.py): kind is status, drop, expire_tokens or latency."""
        self.faults[service, kind] = self.faults.get((service, kind), 0) + 1

    def fold(self) -> None:
        pending, self.pending = self.pending, []
        counts, latency = self.counts, self.latency
        for service, status, seconds in pending:
            service = service or GATEWAY_LABEL
            key = (service, status)
            counts[key] = counts.get(key, 0) + 1
            slots = latency.get(service)
            if slots is None:
                slots = latency[service] = [0] * (len(BUCKETS) + 2)
            slots[bisect_left(BUCKETS, seconds)] += 1
            slots[-1] += seconds

    def collect(self) -> Iterator[Metric]:
        self.fold()
        requests = CounterMetricFamily(
            "sandbox_requests", "Requests that crossed the gateway, by service and response status.",
            labels=["service", "status"],
        )
        for (service, status), count in sorted(self.counts.items()):
            requests.add_metric([service, str(status)], count)
        yield requests
        latency = HistogramMetricFamily(
            "sandbox_request_duration_seconds", "Time from request to the end of the response, by service.",
            labels=["service"],
        )
        for service, slots in sorted(self.latency.items()):
            cumulative, buckets = 0, []
            for bound, count in zip((*map(str, BUCKETS), "+Inf"), slots[:-1], strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            latency.add_metric([service], buckets, slots[-1])
        yield latency
        faults = CounterMetricFamily(
            "sandbox_faults", "Requests a fault rule applied to, by service and kind (status, drop, expire_tokens, "
            "latency).", labels=["service", "kind"],
        )
        for (service, kind), count in sorted(self.faults.items()):
            faults.add_metric([service, kind], count)
        yield faults

    def render(self) -> bytes:
        return generate_latest(self.registry)
