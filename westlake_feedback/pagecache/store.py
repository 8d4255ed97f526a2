"""Where rendered pages are kept: a small LRU in each process, and Redis (shared by every web
process and node) when WESTLAKE_REDIS_URL is set. Keys already contain the content version, so
nothing is ever invalidated in place: old entries age out of the LRU and expire in Redis."""
from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from functools import cached_property

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    """A rendered page. `body` holds placeholders where per-visitor tokens go (see render.py)."""

    body: str
    content_type: str
    has_tokens: bool
    etag: str

    @cached_property
    def encoded(self) -> bytes:
        """The body as sent (pages without tokens are sent as kept, encoded once)."""
        return self.body.encode()

    def dumps(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode()

    @classmethod
    def loads(cls, raw: bytes) -> "Entry":
        return cls(**json.loads(raw))


class LocalStore:
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisStore:
    """Entries under `<prefix>page:<key>` with a TTL. A Redis that is down costs a render, never
    an error page: the failure is logged and the page is rendered as if nothing were cached."""

    def __init__(self, url: str, prefix: str, ttl: int):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = f"{prefix}page:"
        self.ttl = ttl

    def get(self, key: str) -> Entry | None:
        try:
            raw = self.client.get(self.prefix + key)
        except Exception as error:  # noqa: BLE001 - any Redis failure: render instead
            log.warning("page cache: Redis get failed: %s", error)
            return None
        return Entry.loads(raw) if raw else None

    def put(self, key: str, entry: Entry) -> None:
        try:
            self.client.set(self.prefix + key, entry.dumps(), ex=self.ttl)
        except Exception as error:  # noqa: BLE001
            log.warning("page cache: Redis set failed: %s", error)


class Store:
    def __init__(self, local: LocalStore, shared: RedisStore | None):
        self.local, self.shared = local, shared

    def get(self, key: str) -> Entry | None:
        entry = self.local.get(key)
        if entry is None and self.shared is not None:
            entry = self.shared.get(key)
            if entry is not None:
                self.local.put(key, entry)
        return entry

    def put(self, key: str, entry: Entry) -> None:
        self.local.put(key, entry)
        if self.shared is not None:
            self.shared.put(key, entry)
