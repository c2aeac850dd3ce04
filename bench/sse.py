#!/usr/bin/env python3
"""Readers of a live story's event stream, for bench/sse.sh.

    python3 bench/sse.py PORT SLUG READERS TOKEN SERVER_PID

TOKEN `-` only holds the connections and reports memory (for the minimal server).

Opens READERS Server-Sent Events connections to the story's stream (in batches, so
the listen backlog never overflows), waits until every one has its headers, reports
the server's memory, then posts an entry as the desk and measures when each reader
receives it. Prints one JSON object with the figures. Stops by itself: every step
has a deadline.
"""

import asyncio
import json
import sys
import time
import urllib.request

PORT, SLUG, READERS, TOKEN, SERVER_PID = (
    int(sys.argv[1]),
    sys.argv[2],
    int(sys.argv[3]),
    sys.argv[4],
    int(sys.argv[5]),
)
BATCH = 200
PATH = f"/api/v1/articles/{SLUG}/entries/stream"


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks / 100.0


class Reader:
    def __init__(self):
        self.ready = asyncio.get_running_loop().create_future()
        self.frames = []
        self.writer = None

    async def run(self):
        reader, self.writer = await asyncio.open_connection("127.0.0.1", PORT, limit=1 << 16)
        self.writer.write(
            f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await self.writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(head.decode(errors="replace"))
        self.ready.set_result(True)
        buffer = b""
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            at = time.monotonic()
            buffer += chunk
            # Kept with its arrival time: the event may well arrive before the desk's
            # POST has returned the entry's id.
            if b"event: entry.created" in buffer:
                self.frames.append((at, buffer))
                buffer = b""
            buffer = buffer[-4096:]

    def received(self, entry_id):
        for at, frame in self.frames:
            if entry_id.encode() in frame:
                return at
        return None


def post_entry():
    body = json.dumps(
        {"headline": "Bench entry", "body": [{"type": "paragraph", "html": "Measured."}]}
    ).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/api/v1/articles/{SLUG}/entries",
        data=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.load(res)["id"]


async def main():
    baseline_mb = rss_mb(SERVER_PID)
    readers = []
    tasks = []
    opened = time.monotonic()
    for start in range(0, READERS, BATCH):
        batch = [Reader() for _ in range(min(BATCH, READERS - start))]
        readers += batch
        tasks += [asyncio.create_task(r.run()) for r in batch]
        await asyncio.wait_for(asyncio.gather(*(r.ready for r in batch)), timeout=60)
    open_s = time.monotonic() - opened
    await asyncio.sleep(2)  # let the server settle
    cpu_before = cpu_s(SERVER_PID)
    connected_mb = rss_mb(SERVER_PID)

    if TOKEN == "-":
        for r in readers:
            r.writer.close()
        for t in tasks:
            t.cancel()
        print(json.dumps({
            "readers": READERS,
            "connect_seconds": round(open_s, 2),
            "server_rss_mb_before": round(baseline_mb, 1),
            "server_rss_mb_with_readers": round(connected_mb, 1),
            "kb_per_reader": round((connected_mb - baseline_mb) * 1024 / READERS, 1),
        }))
        return
    loop = asyncio.get_running_loop()
    posted_at = time.monotonic()
    entry_id = await loop.run_in_executor(None, post_entry)
    deadline = posted_at + 10
    while time.monotonic() < deadline and any(r.received(entry_id) is None for r in readers):
        await asyncio.sleep(0.05)
    cpu_after = cpu_s(SERVER_PID)
    got = [r.received(entry_id) for r in readers]
    delays = sorted(at - posted_at for at in got if at is not None)
    received = len(delays)

    def pct(p):
        return round(delays[min(len(delays) - 1, int(p * len(delays)))] * 1000, 1) if delays else None

    for r in readers:
        if r.writer:
            r.writer.close()
    for t in tasks:
        t.cancel()
    print(
        json.dumps(
            {
                "readers": READERS,
                "connect_seconds": round(open_s, 2),
                "server_rss_mb_before": round(baseline_mb, 1),
                "server_rss_mb_with_readers": round(connected_mb, 1),
                "kb_per_reader": round((connected_mb - baseline_mb) * 1024 / READERS, 1),
                "received": received,
                "delivery_ms_p50": pct(0.5),
                "delivery_ms_p99": pct(0.99),
                "delivery_ms_max": round(delays[-1] * 1000, 1) if delays else None,
                "server_cpu_ms_for_the_fan_out": round((cpu_after - cpu_before) * 1000, 1),
            }
        )
    )


asyncio.run(main())
