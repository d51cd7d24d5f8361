"""Privacy, civil rights and civil liberties: record classes, retention and purge, dissemination log, redress."""
