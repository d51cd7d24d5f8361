"""Entities: the one index of persons, vehicles, places, organizations and phones across every source."""
