"""`python -m django expire_alerts`: cancel every alert past its expiry (run from cron or a scheduler)."""

from django.core.management.base import BaseCommand

from fusioncenter.alerts.services import expire_due


class Command(BaseCommand):
    help = "Issue the Cancel message of every public alert that reached its expiry time."

    def handle(self, *args, **options) -> None:
        count = expire_due()
        self.stdout.write(f"{count} alert(s) expired.\n")
