"""Run in a separate process by test_kill.py: prepare the database, or report delivery states.

`python tests/delivery/kill_helper.py setup N` migrates the database the environment names and
queues N e-mail deliveries; `... report` prints statuses and each address's idempotency key as JSON.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fusioncenter.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    from fusioncenter.delivery import services
    from fusioncenter.delivery.models import Delivery

    if sys.argv[1] == "setup":
        call_command("migrate", verbosity=0)
        n = int(sys.argv[2])
        services.send({"subject": "Kill test", "text_body": "One message each."},
                      (("email", f"r{i}@example.test", None) for i in range(n)), source=("tests.kill", 1))
        print(json.dumps({"queued": Delivery.objects.count()}))
    else:
        statuses = dict(Delivery.objects.values_list("status").annotate(n=Count("id")))
        keys = dict(Delivery.objects.values_list("address", "idempotency_key"))
        reclaimed = Delivery.objects.filter(attempts__gt=1).count()
        print(json.dumps({"statuses": statuses, "keys": keys, "reclaimed": reclaimed}))


if __name__ == "__main__":
    main()
