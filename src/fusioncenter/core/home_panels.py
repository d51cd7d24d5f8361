"""Panels on each role's home page. Apps register a panel builder in their AppConfig.ready().

A builder takes the user and returns None (nothing for this user) or a dict with `title`, optional
`items` (label, value, url) and optional `links` (label, url). Builders must filter through
`core.access` like any other view.
"""

from __future__ import annotations

from collections.abc import Callable

PanelBuilder = Callable[[object], dict | None]
_builders: list[tuple[int, PanelBuilder]] = []


def register(builder: PanelBuilder, order: int = 50) -> None:
    if all(b is not builder for _, b in _builders):
        _builders.append((order, builder))


def for_user(user) -> list[dict]:
    panels = []
    for _, builder in sorted(_builders, key=lambda pair: pair[0]):
        panel = builder(user)
        if panel:
            panels.append(panel)
    return panels
