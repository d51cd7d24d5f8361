"""Placeholder: replaced by the reference-data work (routing, county map)."""


def county_map_svg(values, title=""):
    return ""
