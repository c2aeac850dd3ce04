#!/usr/bin/env python3
"""Walks the whole public story list of a running server, `limit` stories a page, and
prints how long the first and the last pages took: with a keyset that ranges from the
cursor, the deepest page of the archive costs what the first does.

    python3 bench/deep_pages.py http://127.0.0.1:18092 [limit]

Run it against a seeded server with the response cache off
(`DATELINE_RESPONSE_CACHE_MB=0`), e.g. the one `bench/load.sh` seeds."""
import json
import sys
import time
import urllib.parse
import urllib.request

base = sys.argv[1].rstrip("/")
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 100
url = f"{base}/api/v1/articles?limit={limit}&formats=text"
cursor, times = None, []
while True:
    page_url = url + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
    started = time.perf_counter()
    with urllib.request.urlopen(page_url) as res:
        page = json.load(res)
    times.append((time.perf_counter() - started) * 1000)
    cursor = page.get("next_cursor")
    if not cursor:
        break
first = [round(t, 1) for t in times[:5]]
last = [round(t, 1) for t in times[-5:]]
print(f"{len(times)} pages of {limit}; first five: {first} ms; last five: {last} ms")
