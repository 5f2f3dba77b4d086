"""Deterministic synthetic records: the same config always yields the same documents.

Record `n` (1-based) of a stream is a pure function of (seed, stream, n), so any range of
records can be produced without replaying the ones before it. `updated_at` (the cursor) is
`BASE_TIME + (n - 1) // records_per_cursor`: it never decreases, and consecutive records
share a value, as a real API's timestamps do.

With a `key_space` K > 0, record `n` gets id `(n - 1) % K + 1`: after the first K records every
record updates an existing key, while the cursor keeps increasing (0, the default: id = n).
Integer fields such as `orders.items` (always >= 1) are suitable for a `sum` reduction per key.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Any

BASE_TIME = 1_700_000_000
_MASK = 0xFFFFFFFF
_GOLDEN = 0x9E3779B1
_TABLE = 4096

_NAMES = [f"user-{i:04d}" for i in range(_TABLE)]
_EMAILS = [f"user-{i:04d}@example.com" for i in range(_TABLE)]
_COUNTRIES = ["US", "DE", "FR", "BR", "IN", "JP", "NG", "CA", "MX", "AU", "KR", "ZA", "SE", "ES", "IT", "PL"]
_CURRENCIES = ["USD", "EUR", "BRL", "INR", "JPY", "CAD", "MXN", "AUD"]
_STATUSES = ["pending", "paid", "shipped", "delivered", "refunded", "cancelled", "paid", "delivered"]
_KINDS = ["click", "view", "scroll", "purchase", "signup", "logout", "search", "share"]
_SESSIONS = [f"s-{i:08x}" for i in range(_TABLE)]

STREAMS = ("users", "orders", "events")


def stream_seed(seed: int, data_name: str, stream: str) -> int:
    """The 32-bit seed of one stream of one data set."""
    return (zlib.crc32(f"{data_name}/{stream}".encode()) ^ (seed * 2654435761)) & _MASK


def first_after(cursor: int | None, per_cursor: int) -> int:
    """The number of the first record whose cursor is greater than `cursor` (1 for None)."""
    if cursor is None:
        return 1
    return max(1, (cursor - BASE_TIME + 1) * per_cursor + 1)


def cursor_of(n: int, per_cursor: int) -> int:
    """The cursor (`updated_at`) of record `n`."""
    return BASE_TIME + (n - 1) // per_cursor


def key_of(n: int, key_space: int) -> int:
    """The id of record `n` (`n` itself unless a key space makes later records update earlier ids)."""
    return (n - 1) % key_space + 1 if key_space > 0 else n


def users(seed: int, start: int, stop: int, per_cursor: int, key_space: int = 0) -> Iterator[dict[str, Any]]:
    """Records start..stop-1 of the `users` stream."""
    names, emails, countries = _NAMES, _EMAILS, _COUNTRIES
    for n in range(start, stop):
        h = ((n * _GOLDEN) ^ seed) & _MASK
        i = h & 4095
        yield {
            "id": (n - 1) % key_space + 1 if key_space > 0 else n,
            "updated_at": BASE_TIME + (n - 1) // per_cursor,
            "name": names[i],
            "email": emails[i],
            "country": countries[(h >> 12) & 15],
            "score": (h >> 8) / 65536.0,
            "active": bool(h & 0x10000),
        }


def orders(seed: int, start: int, stop: int, per_cursor: int, key_space: int = 0) -> Iterator[dict[str, Any]]:
    """Records start..stop-1 of the `orders` stream."""
    currencies, statuses = _CURRENCIES, _STATUSES
    for n in range(start, stop):
        h = ((n * _GOLDEN) ^ seed) & _MASK
        yield {
            "id": (n - 1) % key_space + 1 if key_space > 0 else n,
            "updated_at": BASE_TIME + (n - 1) // per_cursor,
            "user_id": (h & 0xFFFF) + 1,
            "amount": (h >> 10) % 100000 / 100.0,
            "currency": currencies[(h >> 4) & 7],
            "status": statuses[(h >> 7) & 7],
            "items": (h >> 20) % 12 + 1,
        }


def events(seed: int, start: int, stop: int, per_cursor: int, key_space: int = 0) -> Iterator[dict[str, Any]]:
    """Records start..stop-1 of the `events` stream."""
    kinds, sessions = _KINDS, _SESSIONS
    for n in range(start, stop):
        h = ((n * _GOLDEN) ^ seed) & _MASK
        yield {
            "id": (n - 1) % key_space + 1 if key_space > 0 else n,
            "updated_at": BASE_TIME + (n - 1) // per_cursor,
            "user_id": (h & 0xFFFF) + 1,
            "kind": kinds[(h >> 5) & 7],
            "value": ((h >> 9) & 0xFFFF) / 256.0,
            "session": sessions[(h >> 16) & 4095],
            "ok": not h & 0x100,
        }


GENERATORS: dict[str, Callable[[int, int, int, int, int], Iterator[dict[str, Any]]]] = {
    "users": users,
    "orders": orders,
    "events": events,
}
