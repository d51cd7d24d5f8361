"""A short-lived, per-process memory of which user a bearer token belongs to.

Why: partner systems send a token with every request, and looking it up (with its user and
organization) was one of the larger costs of SAR intake. A token seen a moment ago is answered from
memory for at most `FUSIONCENTER_TOKEN_CACHE_SECONDS` (default 5 s; 0 turns the cache off).

Revocation stays correct: saving any `ApiToken` or `User` (revoking, disabling, locking, changing a
role) empties this process's memory at once through `post_save`/`post_delete`, and every other web
process forgets the token within the TTL, so a revoked token or a disabled account stops working
everywhere within a few seconds. Each request gets its own copy of the cached user, so nothing one
request sets on it leaks into the next.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import ApiToken, User

DEFAULT_SECONDS = 5.0
MAX_ENTRIES = 1000

_entries: dict[str, tuple[float, int, Any, User]] = {}
_lock = threading.Lock()


def ttl() -> float:
    return float(getattr(settings, "FUSIONCENTER_TOKEN_CACHE_SECONDS", DEFAULT_SECONDS))


def get(key_hash: str) -> tuple[int, Any, User] | None:
    """(token id, last_used_at, a fresh copy of the user) if remembered and not expired."""
    entry = _entries.get(key_hash)
    if entry is None:
        return None
    expires, token_id, last_used_at, user = entry
    if time.monotonic() >= expires:
        _entries.pop(key_hash, None)
        return None
    return token_id, last_used_at, copy.copy(user)


def put(key_hash: str, token_id: int, last_used_at: Any, user: User) -> None:
    seconds = ttl()
    if seconds <= 0:
        return
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key_hash] = (time.monotonic() + seconds, token_id, last_used_at, copy.copy(user))


def clear() -> None:
    with _lock:
        _entries.clear()


@receiver(post_save, sender=ApiToken, dispatch_uid="token_cache_token_saved")
@receiver(post_delete, sender=ApiToken, dispatch_uid="token_cache_token_deleted")
@receiver(post_save, sender=User, dispatch_uid="token_cache_user_saved")
@receiver(post_delete, sender=User, dispatch_uid="token_cache_user_deleted")
def _forget(**kwargs: Any) -> None:
    clear()
