"""Core: partners and people, jurisdictions, markings, the access decision, audit and the clock."""
