#!/usr/bin/env python3
"""The peer apply batchctl is compared with: a hand-written Python loop that POSTs the same BatchTaskInfo bodies
to `/api/v1/BatchTask` with `requests`, from 32 threads (one Session each, so connections are reused), with no
journal, no state and no plan.

    python_loop.py --endpoint http://127.0.0.1:PORT --render RENDER.json [--threads 32]

RENDER.json is the output of `batchctl render --output json` (a list of {"address", "task"}). Prints one line:
`created N in S s` and exits 1 if any POST did not answer 200 with an id.
"""
import argparse
import json
import sys
import threading
import time

import requests


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--render", required=True)
    parser.add_argument("--threads", type=int, default=32)
    args = parser.parse_args()

    with open(args.render, encoding="utf-8") as f:
        bodies = [json.dumps(entry["task"]).encode() for entry in json.load(f)]
    url = args.endpoint.rstrip("/") + "/api/v1/BatchTask"
    lock = threading.Lock()
    next_index = [0]
    failures = []

    def worker():
        session = requests.Session()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= len(bodies):
                return
            answer = session.post(url, data=bodies[index], headers=headers)
            if answer.status_code != 200 or not isinstance(answer.json(), int):
                with lock:
                    failures.append(f"{answer.status_code} {answer.text[:80]}")

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - start
    if failures:
        print(f"{len(failures)} POSTs failed, the first: {failures[0]}", file=sys.stderr)
        sys.exit(1)
    print(f"created {len(bodies)} in {seconds:.3f} s")


if __name__ == "__main__":
    main()
