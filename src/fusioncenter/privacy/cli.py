"""`fusioncenter retention run [--as-of YYYY-MM-DD]`: the daily retention task, by hand.

Prints the records queued and purged by type and id only (never their content), and the records
that have no review date, so an operator sees what the policy could not schedule.
"""

from __future__ import annotations

import argparse


def retention(args: argparse.Namespace) -> int:
    from . import retention as service

    result = service.run(getattr(args, "as_of", None))
    print(f"Retention run as of {result.as_of.isoformat()}: {len(result.queued)} queued for review, "
          f"{len(result.purged)} purged.")
    for label, oid in result.queued:
        print(f"  queued  {label} {oid}")
    for label, oid in result.purged:
        print(f"  purged  {label} {oid}")
    for label, count in sorted(result.undated.items()):
        print(f"  no review date: {count} {label} record(s)")
    for label, oid, why in result.failed:
        print(f"  NOT purged {label} {oid}: {why}")
    return 0
