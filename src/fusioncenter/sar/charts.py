"""A small server-rendered SVG bar chart: no JavaScript, no third-party library, accessible.

The SVG has a title and description naming every value; pages put the same numbers in a table next
to it, so the chart is never the only way to read them.
"""

from __future__ import annotations

from html import escape


def bar_chart_svg(points: list[tuple[str, int]], title: str, ident: str, *, width: int = 640,
                  height: int = 220) -> str:
    """Vertical bars, one per (label, value), labels under every other bar when crowded."""
    pad_left, pad_bottom, pad_top = 36, 40, 12
    n = max(len(points), 1)
    top = max([v for _, v in points] + [1])
    plot_w = width - pad_left - 8
    plot_h = height - pad_bottom - pad_top
    slot = plot_w / n
    bar_w = max(slot * 0.7, 2)
    parts = []
    for tick in (0, top // 2, top):
        y = pad_top + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{pad_left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{pad_left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    step = 1 if n <= 14 else 2
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x = pad_left + i * slot + (slot - bar_w) / 2
        y = pad_top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}">'
                     f"<title>{escape(f'{label}: {value}')}</title></rect>")
        if i % step == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - pad_bottom + 16}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    desc = "; ".join(f"{label}: {value}" for label, value in points)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" focusable="false">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(parts) + "</svg>"
    )
