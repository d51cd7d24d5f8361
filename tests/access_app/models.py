"""A test-only record type, so the access rules are tested on a real table in a real database."""

from django.db import models

from fusioncenter.core.models import MarkedRecord


class Dossier(MarkedRecord):
    title = models.CharField(max_length=100)

    class Meta:
        app_label = "access_app"
