"""An editor at work, for bench/load.sh: saves a draft 5 times a second and publishes
a new story into the measured section every 10 seconds, for SECONDS seconds.
   python3 bench/writer.py BASE_URL EMAIL PASSWORD SECTION SECONDS
Prints how many saves and publishes it made (and any failure) when done."""

import json
import signal
import sys
import time
import urllib.request

base, email, password, section, seconds = sys.argv[1:6]
seconds = float(seconds)


def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(req, data, timeout=10) as res:
        return json.load(res)


token = call("POST", "/api/v1/auth/login", {"email": email, "password": password})["access_token"]
stamp = int(time.time())
draft = call("POST", "/api/v1/articles", {"headline": f"Load story draft {stamp}", "section": section}, token)
saves = publishes = failures = 0


def stop(*_):
    raise KeyboardInterrupt


# bench/load.sh stops the editor with SIGTERM (background jobs ignore SIGINT).
signal.signal(signal.SIGTERM, stop)
started = time.monotonic()
next_save = started
next_publish = started + 10
try:
    while time.monotonic() - started < seconds:
        now = time.monotonic()
        try:
            if now >= next_publish:
                story = call("POST", "/api/v1/articles",
                             {"headline": f"Load story {stamp} {publishes}", "section": section,
                              "body": [{"type": "paragraph", "html": "Filed during the benchmark."}]},
                             token)
                call("POST", f"/api/v1/articles/{story['id']}/publish",
                     {"version": story["version"]}, token)
                publishes += 1
                next_publish += 10
            elif now >= next_save:
                draft = call("PATCH", f"/api/v1/articles/{draft['id']}",
                             {"version": draft["version"], "standfirst": f"Save {saves}"}, token)
                saves += 1
                next_save += 0.2
        except Exception as e:  # noqa: BLE001 - report and go on, as an editor would
            failures += 1
            print(f"writer: {e}", file=sys.stderr)
        time.sleep(max(0.0, min(next_save, next_publish) - time.monotonic()))
except KeyboardInterrupt:
    pass
print(f"  editor: {saves} draft saves, {publishes} publishes, {failures} failures"
      f" in {time.monotonic() - started:.0f} s")
