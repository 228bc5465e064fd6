#!/usr/bin/env python3
"""make bench-provider: a 40,000-prospect backfill through the Anthropic Message Batches emulator.

Imports the debian-minilm prospects with their real vectors into a fresh store, starts
`curate-emulator` with a batch processing delay and a few injected faults (429 with retry-after,
529, 500, a truncated results stream), runs `curate backfill --provider anthropic` against it and
reports: HTTP requests sent, batches used, retries taken, wall seconds, and seconds outside the
emulator's own processing delay (wall time minus the time the batches were kept in progress).

Usage: Benchmarks/provider_backfill.py [--dataset DIR] [--processing-delay 5] [--bin .build/release] [--json FILE]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAULTS = [
    {"route": "createBatch", "kind": "status", "status": 429, "retryAfterSeconds": 1, "times": 2},
    {"route": "retrieveBatch", "kind": "status", "status": 529, "times": 2},
    {"route": "batchResults", "kind": "status", "status": 500},
    {"route": "batchResults", "kind": "truncateResults", "afterLines": 1000},
]


def post(url, document):
    request = urllib.request.Request(url, data=json.dumps(document).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        reply.read()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=os.path.join(ROOT, "..", "shared", "datasets", "debian-minilm"))
    parser.add_argument("--processing-delay", type=float, default=5.0, help="seconds a batch stays in progress")
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    parser.add_argument("--json", help="also write the figures to this file")
    arguments = parser.parse_args()
    curate = os.path.join(arguments.bin, "curate")
    prospects = os.path.join(arguments.dataset, "prospects.jsonl")
    if not os.path.exists(prospects):
        sys.exit(f"no dataset at {arguments.dataset} (pass --dataset DIR with prospects.jsonl and embeddings.f32)")
    with tempfile.TemporaryDirectory(prefix="curate-provider-bench-") as work:
        db = os.path.join(work, "curate.sqlite")
        subprocess.run([curate, "import", "prospects", prospects, "--embeddings",
                        os.path.join(arguments.dataset, "embeddings.f32"), "--dim", "384", "--db", db],
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(work, "curate.toml"), "w") as config:
            config.write("[curator]\npoll_interval_seconds = 0.5\nmax_retries = 6\n")
        emulator = subprocess.Popen([os.path.join(arguments.bin, "curate-emulator"), "--port", "0", "--api-key", "bench",
                                     "--processing-delay", str(arguments.processing_delay)],
                                    stdout=subprocess.PIPE, text=True)
        try:
            base_url = json.loads(emulator.stdout.readline())["base_url"]
            post(base_url + "/_emulator/faults", FAULTS)
            started = time.monotonic()
            run = subprocess.run([curate, "backfill", "--db", db, "--json", "--provider", "anthropic",
                                  "--base-url", base_url], capture_output=True, text=True,
                                 env=dict(os.environ, ANTHROPIC_API_KEY="bench"))
            wall = time.monotonic() - started
            if run.returncode != 0:
                sys.exit(f"backfill failed ({run.returncode}): {run.stderr}")
            with urllib.request.urlopen(base_url + "/_emulator/stats", timeout=10) as reply:
                stats = json.load(reply)
        finally:
            emulator.terminate()
            emulator.wait()
    report = json.loads(run.stdout)
    # The batches of one job are processed side by side: the job waits one processing delay.
    waited = arguments.processing_delay * len(report["jobs"])
    figures = {
        "prospects": report["pending"], "clusters": report["clusters"], "processed": report["processed"],
        "batches": report["batches"], "jobs": len(report["jobs"]),
        "http_requests": report["http"]["requests"], "retries": report["http"]["retries"],
        "emulator_requests": sum(stats["requestsByRoute"].values()), "faults_served": stats["faultsServed"],
        "clusters_submitted_twice": sum(1 for n in stats["submissionsByCustomID"].values() if n > 1),
        "wall_seconds": round(wall, 2), "processing_delay_seconds": waited,
        "seconds_outside_processing_delay": round(wall - waited, 2), "timings": report["timings"],
    }
    for key, value in figures.items():
        print(f"{key:>34}: {value}")
    if arguments.json:
        with open(arguments.json, "w") as out:
            json.dump(figures, out, indent=2, sort_keys=True)
            out.write("\n")


if __name__ == "__main__":
    main()
