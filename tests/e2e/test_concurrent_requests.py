"""A page's own fetches run while the user posts a form: the live server must answer them all.

This guards the browser tests' set-up as much as the product: on the shared in-memory SQLite
database, concurrent requests failed with "database table is locked" and lost sessions (400).
"""

from __future__ import annotations

import collections
import concurrent.futures
import json
import urllib.error
import urllib.request

from tests.e2e.test_alerts import people  # noqa: F401  (the fixture)


def test_concurrent_requests_of_one_signed_in_user_all_succeed(live_server, people, client):  # noqa: F811
    officer, _ = people
    client.force_login(officer)
    cookie = "sessionid=" + client.cookies["sessionid"].value
    county = officer.organization.county_id

    def fetch(_: int) -> str:
        request = urllib.request.Request(
            f"{live_server.url}/crime-alerts/reach/?counties={county}", headers={"Cookie": cookie}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                # a lost session would be redirected to the sign-in page, which also answers 200
                return "count" if json.loads(response.read()).keys() == {"subscribers", "email", "sms"} else "other"
        except (urllib.error.HTTPError, ValueError) as exc:
            return repr(exc)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        codes = collections.Counter(pool.map(fetch, range(200)))
    assert codes == {"count": 200}
