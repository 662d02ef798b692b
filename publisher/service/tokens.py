"""API tokens: bearer tokens with scopes, stored hashed, compared in constant time.

A token is 32 random bytes (``secrets.token_urlsafe``), shown once by ``publisher service
token add``. The tokens file keeps only its SHA-256. A fast hash is right here, unlike for
passwords: with 256 bits of entropy there is no dictionary to try, so a slow hash (bcrypt,
argon2) would add nothing but ~100 ms to every request. The presented token's digest is
compared with every stored digest with :func:`hmac.compare_digest`, and the loop never stops
early, so the time taken says nothing about which digest came close.

The file (JSON, mode 0600) is read again when it changes, so ``token revoke`` takes effect in
a running service without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..document import InputError
from ..fsutil import atomic_write_bytes, stat_stamp

SCOPES = ("submit", "takedown", "read")
PREFIX = "pub_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Token:
    name: str
    scopes: frozenset[str]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._entries: dict[str, dict] = {}

    # ------------------------------------------------------------------ the file

    def _read(self) -> dict[str, dict]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise InputError(f"cannot read the tokens file {self.path}: {exc.strerror or exc}") from None
        try:
            data = json.loads(raw)
            tokens = data["tokens"]
            assert isinstance(tokens, dict)
        except Exception:
            raise InputError(f"{self.path} is not a tokens file (JSON with a 'tokens' table); move it away and add the tokens again") from None
        return tokens

    def _write(self, tokens: dict[str, dict]) -> None:
        body = json.dumps({"tokens": tokens}, indent=2, sort_keys=True).encode("utf-8") + b"\n"
        atomic_write_bytes(self.path, body, mode=0o600)

    def add(self, name: str, scopes: list[str]) -> str:
        """A new token for ``name`` (returned once; only its digest is stored)."""
        if not _NAME.match(name):
            raise InputError(f"token name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown or not scopes:
            raise InputError(f"give one or more scopes: --scope {' --scope '.join(SCOPES)}")
        tokens = self._read()
        if name in tokens:
            raise InputError(f"a token named {name!r} exists; revoke it first ('publisher service token revoke {name}')")
        token = PREFIX + secrets.token_urlsafe(32)
        tokens[name] = {"sha256": digest(token), "scopes": sorted(set(scopes)), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self._write(tokens)
        return token

    def revoke(self, name: str) -> None:
        tokens = self._read()
        if name not in tokens:
            raise InputError(f"no token named {name!r} (see 'publisher service token list')")
        del tokens[name]
        self._write(tokens)

    def list(self) -> list[tuple[str, list[str], str]]:
        return [(n, e.get("scopes", []), e.get("created", "")) for n, e in sorted(self._read().items())]

    # ------------------------------------------------------------------ checking

    def _current(self) -> dict[str, dict]:
        stamp = stat_stamp(self.path)
        with self._lock:
            if stamp != self._stamp:
                self._entries = self._read() if stamp else {}
                self._stamp = stamp
            return self._entries

    def check(self, authorization: str | None) -> Token | None:
        """The token an ``Authorization: Bearer ...`` header names, or None."""
        if not authorization:
            return None
        kind, _, value = authorization.strip().partition(" ")
        if kind.lower() != "bearer" or not value.strip():
            return None
        presented = digest(value.strip())
        found = None
        for name, entry in self._current().items():
            if hmac.compare_digest(presented, str(entry.get("sha256", ""))) and found is None:
                found = Token(name, frozenset(entry.get("scopes", ())))
        return found


class RateLimiter:
    """A token bucket per API token: ``per_minute`` requests, refilled continuously."""

    def __init__(self, per_minute: int):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, name: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            level, last = self._buckets.get(name, (self.capacity, now))
            level = min(self.capacity, level + (now - last) * self.rate)
            if level >= 1:
                self._buckets[name] = (level - 1, now)
                return 0.0
            self._buckets[name] = (level, now)
            return (1 - level) / self.rate
