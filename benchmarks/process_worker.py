"""One process of the token-reuse benchmark: wait for the start, call the API.

Run as a script by `token_reuse`, with the `VISION_*` environment pointing
at the emulator and a cache directory shared by every worker. It reports
how many calls succeeded and the fingerprint of the token it used, never
the token itself.
"""

from __future__ import annotations

import json
import sys

from vision_integrations import VisionSession


def main() -> int:
    calls = int(sys.argv[1])
    session = VisionSession.from_env()
    # Everything is imported and built; start only when every worker is,
    # so that the first token requests really do race each other.
    print("ready", flush=True)
    sys.stdin.readline()

    ok = 0
    for number in range(calls):
        response = session.get(f"inspections/{number % 50 + 1}")
        ok += response.status_code == 200
    fingerprint = session.manager.get_token().fingerprint
    session.close()
    print(json.dumps({"ok": ok, "token": fingerprint}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
