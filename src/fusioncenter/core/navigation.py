"""Navigation by role. Each app registers its own entries in its AppConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] | None  # None: every signed-in user
    order: int = 50


_items: list[NavItem] = []


def register(label: str, url_name: str, roles: set[str] | frozenset[str] | None = None, order: int = 50) -> None:
    item = NavItem(label, url_name, frozenset(roles) if roles is not None else None, order)
    if item not in _items:
        _items.append(item)


def for_user(user) -> list[dict[str, str]]:
    if not getattr(user, "is_authenticated", False):
        return []
    out = []
    for item in sorted(_items, key=lambda i: (i.order, i.label)):
        if item.roles is not None and user.role not in item.roles:
            continue
        try:
            out.append({"label": item.label, "url": reverse(item.url_name)})
        except NoReverseMatch:
            continue
    return out
