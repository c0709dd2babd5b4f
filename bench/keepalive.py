#!/usr/bin/env python3
"""N sequential GET requests over ONE keep-alive HTTP/1.1 connection (for bench/callgrind.sh).

    python3 bench/keepalive.py URL N [Header: value ...]

Every answer must be a 2xx; the first one's status line and body are printed to stderr (so a
wrong cookie shows). The client is not what is measured: callgrind runs the server only.
With COOKIES=FILE in the environment, request i sends line i (mod the line count) of FILE as its
Cookie header (distinct sessions, bench/scale.sh). Prints the wall-clock microseconds per
request (client included) on stdout.
"""
import http.client
import os
import sys
import time
import urllib.parse


def main() -> int:
    url, n, *raw = sys.argv[1:]
    u = urllib.parse.urlsplit(url)
    headers = dict(h.split(": ", 1) for h in raw)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    path = u.path + (f"?{u.query}" if u.query else "")
    cookies = []
    if os.environ.get("COOKIES"):
        with open(os.environ["COOKIES"], encoding="ascii") as f:
            cookies = [line.strip() for line in f if line.strip()]
    t0 = time.perf_counter()
    for i in range(int(n)):
        if cookies:
            headers["Cookie"] = cookies[i % len(cookies)]
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read()
        if i == 0:
            print(f"first answer: {r.status} {body[:200]!r}", file=sys.stderr)
        if not 200 <= r.status < 300:
            print(f"request {i}: {r.status} {body[:200]!r}", file=sys.stderr)
            return 1
        if r.will_close:
            print(f"request {i}: the server closed the connection", file=sys.stderr)
            return 1
    conn.close()
    print(f"{1e6 * (time.perf_counter() - t0) / max(int(n), 1):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
