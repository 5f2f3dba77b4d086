"""A small HTTP POST client with retries and exponential backoff (stdlib only)."""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flow_sdk.errors import ConnectorError, TransientError

log = logging.getLogger("materialize-webhook")

# Statuses a retry may cure: timeouts, throttling, server-side failures.
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """Up to `max_attempts` tries, waiting initial * 2**n seconds (capped at `max_backoff`) between them."""

    max_attempts: int = 5
    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based)."""
        return float(min(self.max_backoff, self.initial_backoff * 2 ** (attempt - 1)))


class Poster:
    """POSTs JSON bodies to one URL."""

    def __init__(self, url: str, headers: Mapping[str, str], timeout: float, retry: RetryPolicy) -> None:
        self.url = url
        self.headers = {"Content-Type": "application/json", **headers}
        self.timeout = timeout
        self.retry = retry

    def post(self, body: bytes) -> None:
        """Send one body; retry transient failures; raise ConnectorError when out of attempts."""
        last = ""
        for attempt in range(1, self.retry.max_attempts + 1):
            request = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    response.read()
                return
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRYABLE:
                    raise ConnectorError(
                        f"the webhook rejected a batch with HTTP {exc.code} {exc.reason}",
                        fields={"url": self.url, "status": exc.code},
                    ) from None
                last = f"HTTP {exc.code} {exc.reason}"
            except (urllib.error.URLError, OSError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            if attempt < self.retry.max_attempts:
                wait = self.retry.delay(attempt)
                log.warning(
                    "webhook request failed; retrying",
                    extra={"fields": {"error": last, "attempt": attempt, "wait_seconds": wait}},
                )
                self.retry.sleep(wait)
        raise TransientError(
            f"the webhook failed {self.retry.max_attempts} attempts; last error: {last}",
            fields={"url": self.url},
        )
