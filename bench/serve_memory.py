"""Resident memory of `fusioncenter serve` with the demo data loaded, after real traffic.

Run: .venv/bin/python bench/serve_memory.py [--requests 2000] [--data-dir /tmp/fc-memory]

It sets up a fresh embedded database with the demo (`fusioncenter setup --demo 1`), starts the
server on 127.0.0.1 (a free port), signs in a demo analyst through the real pages (notice, password,
TOTP), requests every page in the navigation and a few API calls in a loop, and prints the resident
set size (RSS) of each server process (gunicorn master, web workers, task worker). Only loopback
traffic; bounded by the request count.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    pids = [int(p) for p in out.split()]
    return pids + [c for p in pids for c in children(p)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--data-dir", default="/tmp/fc-memory")
    args = ap.parse_args()
    data = Path(args.data_dir)
    shutil.rmtree(data, ignore_errors=True)
    env = {**os.environ, "FUSIONCENTER_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    subprocess.run([BIN / "fusioncenter", "setup", "--demo", "1"], env=env, check=True, capture_output=True)
    password = re.search(r"password for every demo account: (\S+)", (data / "demo-credentials.txt").read_text())[1]
    # enrol the demo analyst's authenticator the way the enrolment page would (confirm the secret)
    secret = subprocess.run(
        [BIN / "python", "-c",
         "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='fusioncenter.settings';django.setup();"
         "from fusioncenter.core.models import TOTPDevice;from fusioncenter.core import clock;"
         "d=TOTPDevice.objects.get(user__username='analyst.wsic');d.confirmed_at=clock.now();d.save();print(d.secret)"],
        env=env, check=True, capture_output=True, text=True).stdout.strip()
    port = free_port()
    server = subprocess.Popen([BIN / "fusioncenter", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def post(path: str, fields: dict) -> str:
            page = opener.open(base + path).read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
            body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
            req = urllib.request.Request(base + path, data=body, headers={"Referer": base + path})
            return opener.open(req).read().decode()

        import pyotp

        post("/accounts/sign-in/", {"acknowledge": "on"})
        post("/accounts/sign-in/", {"username": "analyst.wsic", "password": password})
        home = post("/accounts/verify/", {"code": pyotp.TOTP(secret).now()})
        links = sorted(set(re.findall(r'<nav class="usa-nav".*?</nav>', home, re.S)[0:1]))
        paths = re.findall(r'href="(/[^"]*)"', links[0]) if links else ["/"]
        paths += ["/api/v1/me", "/api/v1/counties", "/healthz", "/counties/", "/partners/"]
        started = time.time()
        for i in range(args.requests):
            opener.open(base + paths[i % len(paths)]).read()
        elapsed = time.time() - started
        pids = [server.pid, *children(server.pid)]
        print(f"pages visited: {', '.join(paths)}")
        print(f"{args.requests} requests in {elapsed:.1f} s ({args.requests / elapsed:.0f}/s, one client)")
        for pid in pids:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
            print(f"  pid {pid:>7}  RSS {rss_mb(pid):6.1f} MB  {cmd}")
        print(f"largest single process: {max(rss_mb(p) for p in pids):.1f} MB")
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
