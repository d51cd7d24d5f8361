"""A test-only record type, so the access rules are tested on a real table in a real database."""

from django.db import models

from fusioncenter.core.models import MarkedRecord


class Dossier(MarkedRecord):
    title = models.CharField(max_length=100)

    class Meta:
        app_label = "access_app"


class RetainedDossier(MarkedRecord):
    """A test-only record under retention: personal text, a file, a child row with its own file."""

    subject_name = models.CharField(max_length=100)
    notes = models.TextField(blank=True)
    attachment = models.FileField(upload_to="retained/", blank=True)
    review_due = models.DateField(null=True, blank=True)
    retention_until = models.DateField(null=True, blank=True)

    class Meta:
        app_label = "access_app"


class RetainedDossierFile(models.Model):
    dossier = models.ForeignKey(RetainedDossier, on_delete=models.CASCADE, related_name="files")
    caption = models.CharField(max_length=100, blank=True)
    upload = models.FileField(upload_to="retained/")

    class Meta:
        app_label = "access_app"
