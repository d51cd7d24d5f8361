"""fusioncenter: a state intelligence fusion center platform (Wisconsin by default)."""

__version__ = "0.1.0"
