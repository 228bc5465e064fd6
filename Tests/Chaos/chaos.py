#!/usr/bin/env python3
"""make chaos: kills backfills at every named crash point, races backfills against daemon ticks,
and checks after each run that nothing was lost, billed twice or half-written.

Every run starts from a copy of one template store (the 2,000-prospect fixture with its real
vectors) and runs `curate backfill` over a window-walked scope with `CURATE_CRASH_AT=<point>:<n>`
(the process sends itself SIGKILL the n-th time it reaches the point), then resumes it with a
plain `curate backfill`. Both the offline `local` provider and the Anthropic Message Batches
emulator (`curate-emulator`, one fresh process per run) are exercised. The seed picks the
arrival n and the batch size (`max_batch_requests`), so a job spans several batches.

Invariants checked after every run, against an uncrashed baseline run of the same provider:
  at-most-once   each cluster reached the provider at most once: no custom_id was submitted
                 twice (local: no prospect either), and every batch the provider accepted was
                 collected by its job (none orphaned, so none re-planned and billed again)
  resolutions    every prospect in scope has exactly one resolution; prospects outside the scope
                 are still pending (window scoping unchanged). When the crash came after every
                 batch was submitted, the decisions equal the baseline's exactly
  committed      one curator-committed row per commit, deepen or merge resolution, each under
                 that resolution's key (committed rows are append-only: several per item)
  slot           the job slot is empty
Also: random-time SIGKILLs during longer runs, and backfill/tick pairs started together
(the loser must get a clear message; no job clobbered, no batch orphaned). A crash point no run
reached, random kills that all came too late, or races that never contended count as violations:
a run that tested nothing does not pass.

Usage: Tests/Chaos/chaos.py [--seeds 20] [--races 100] [--random-kills 20] [--bin .build/release]
Exit status 1 when any invariant was violated.
"""
import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(ROOT, "Tests", "Fixtures", "debian-minilm-2000")
POINTS = ["slot-claimed", "provider-accepted", "batch-recorded", "mid-poll", "results-fetched",
          "inside-collect-transaction", "collected"]
# A crash at these points leaves batches of the job unsubmitted: their clusters are planned
# again later, so the decisions may differ from the baseline's (the committed items differ).
PARTIAL_SUBMISSION = {"slot-claimed", "provider-accepted", "batch-recorded", "random"}
SCOPE = ["--since", "2026-02-01", "--until", "2026-06-01", "--window", "30d"]
KEY = {"ANTHROPIC_API_KEY": "chaos-key"}


class Harness:
    def __init__(self, binaries, work):
        self.curate = os.path.join(binaries, "curate")
        self.emulator_binary = os.path.join(binaries, "curate-emulator")
        self.work = work
        self.template = os.path.join(work, "template.sqlite")
        self.run_curate(["import", "prospects", FIXTURE + ".jsonl", "--embeddings", FIXTURE + ".f32",
                         "--dim", "384", "--db", self.template], check=True)
        self.counter = 0
        self.baselines = {}

    # MARK: processes

    def run_curate(self, args, env=None, check=False):
        environment = dict(os.environ, **KEY)
        environment.pop(CRASH, None)
        environment.update(env or {})
        done = subprocess.run([self.curate] + args, capture_output=True, text=True, env=environment)
        if check and done.returncode != 0:
            raise SystemExit(f"curate {' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done

    def start_emulator(self):
        process = subprocess.Popen([self.emulator_binary, "--port", "0"], stdout=subprocess.PIPE, text=True)
        line = process.stdout.readline()
        return process, json.loads(line)["base_url"]

    @staticmethod
    def emulator_stats(base_url):
        with urllib.request.urlopen(base_url + "/_emulator/stats", timeout=10) as reply:
            return json.load(reply)

    # MARK: one run

    def fresh_store(self, batch_requests):
        self.counter += 1
        directory = os.path.join(self.work, f"run{self.counter}")
        os.makedirs(directory)
        db = os.path.join(directory, "curate.sqlite")
        shutil.copy(self.template, db)
        with open(os.path.join(directory, "curate.toml"), "w") as config:
            config.write(f"[curator]\nmax_batch_requests = {batch_requests}\npoll_interval_seconds = 0.02\n"
                         "max_retries = 3\n")
        return db

    def backfill_args(self, db, provider, base_url):
        args = ["backfill", "--db", db, "--json"] + SCOPE
        if provider == "anthropic":
            args += ["--provider", "anthropic", "--base-url", base_url]
        return args

    def run_once(self, provider, batch_requests, crash=None, kill_after=None):
        """One backfill, optionally crashed, then resumed; returns (store path, killed, sent custom ids)."""
        db = self.fresh_store(batch_requests)
        emulator, base_url = (None, None)
        if provider == "anthropic":
            emulator, base_url = self.start_emulator()
        try:
            args = self.backfill_args(db, provider, base_url)
            killed = False
            if crash:
                first = self.run_curate(args, env={CRASH: crash})
                killed = first.returncode == -signal.SIGKILL
                if not killed and first.returncode != 0:
                    return db, killed, None, f"crashed run failed: {first.stderr.strip()}"
            if kill_after is not None:
                environment = dict(os.environ, **KEY)
                process = subprocess.Popen([self.curate] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           env=environment)
                time.sleep(kill_after)
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    killed = True
                process.wait()
            resumed = self.run_curate(args)
            if resumed.returncode != 0:
                return db, killed, None, f"resume failed ({resumed.returncode}): {resumed.stderr.strip()}"
            sent = self.emulator_stats(base_url)["submissionsByCustomID"] if emulator else None
            return db, killed, sent, None
        finally:
            if emulator:
                emulator.terminate()
                emulator.wait()

    # MARK: invariants

    def snapshot(self, db, sent):
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            resolutions = {row[0]: (row[1], row[2]) for row in connection.execute(
                "SELECT prospect_id, decision, json_extract(committed_ids, '$[0]') FROM resolutions")}
            committed = sorted(connection.execute("SELECT item_id, item_type, label FROM committed"))
            unkeyed = connection.execute("""
                SELECT count(*) FROM committed c WHERE c.source = 'curator'
                AND NOT EXISTS (SELECT 1 FROM resolutions r WHERE json_extract(r.committed_ids, '$[0]') = c.item_id)""").fetchone()[0]
            unkeyed += abs(connection.execute("SELECT count(*) FROM committed WHERE source = 'curator'").fetchone()[0]
                           - connection.execute("""
                SELECT count(*) FROM resolutions WHERE source = 'curator' AND decision IN ('commit', 'deepen', 'merge')
                """).fetchone()[0])
            collected_jobs = {row[0] for row in connection.execute("SELECT DISTINCT job_id FROM resolutions")}
            local_nonces = {row[0] for row in connection.execute("SELECT DISTINCT job_nonce FROM local_batches")}
            slot = connection.execute("SELECT count(*) FROM jobs").fetchone()[0]
            requests = []
            for (text,) in connection.execute("SELECT requests FROM local_batches"):
                requests += [(r["custom_id"], r["prospect_ids"]) for r in json.loads(text)]
            pending = {row[0] for row in connection.execute(
                "SELECT DISTINCT prospect_id FROM prospects WHERE prospect_id NOT IN (SELECT prospect_id FROM resolutions)")}
        finally:
            connection.close()
        if sent is not None:
            twice = [custom_id for custom_id, count in sent.items() if count > 1]
            nonces = {custom_id.rsplit("-c", 1)[0] for custom_id in sent}
        else:
            ids = [custom_id for custom_id, _ in requests]
            twice = sorted({i for i in ids if ids.count(i) > 1})
            prospects = [p for _, members in requests for p in members]
            twice += sorted({p for p in prospects if prospects.count(p) > 1})
            nonces = local_nonces
        return {"resolutions": resolutions, "committed": committed, "slot": slot, "twice": twice,
                "orphans": sorted(nonces - collected_jobs), "unkeyed": unkeyed, "pending": pending}

    def baseline(self, provider):
        if provider not in self.baselines:
            db, _, sent, error = self.run_once(provider, batch_requests=25)
            if error:
                raise SystemExit(f"baseline {provider}: {error}")
            self.baselines[provider] = self.snapshot(db, sent)
        return self.baselines[provider]

    def violations(self, provider, db, sent, point=None):
        expected, got = self.baseline(provider), self.snapshot(db, sent)
        problems = []
        if got["twice"]:
            problems.append(f"at-most-once: submitted twice: {got['twice'][:3]}")
        if got["orphans"]:
            problems.append(f"at-most-once: batches of jobs never collected: {got['orphans'][:3]}")
        if set(got["resolutions"]) != set(expected["resolutions"]):
            missing = set(expected["resolutions"]) - set(got["resolutions"])
            problems.append(f"resolutions: {len(missing)} prospect(s) in scope unresolved")
        elif point not in PARTIAL_SUBMISSION and got["resolutions"] != expected["resolutions"]:
            problems.append("resolutions: decisions differ from the baseline's")
        if got["pending"] != expected["pending"]:
            problems.append("window scoping: the pending set differs from the baseline's")
        if got["unkeyed"]:
            problems.append(f"committed: {got['unkeyed']} curator row(s) without their one resolution")
        if point not in PARTIAL_SUBMISSION and got["committed"] != expected["committed"]:
            problems.append("committed items differ from the baseline's")
        if got["slot"] != 0:
            problems.append("the job slot is not empty")
        return problems


CRASH = "CURATE_CRASH_AT"


def crash_table(harness, seeds, providers):
    rows = []
    for provider in providers:
        harness.baseline(provider)
        for point in POINTS:
            runs = killed = 0
            violations = []
            for seed in range(seeds):
                rng = random.Random(f"{provider}/{point}/{seed}")
                arrival = 1 + rng.randrange(3)
                db, was_killed, sent, error = harness.run_once(provider, batch_requests=rng.randint(3, 60),
                                                               crash=f"{point}:{arrival}")
                runs += 1
                killed += was_killed
                found = [error] if error else harness.violations(provider, db, sent, point)
                violations += [f"seed {seed}: {v}" for v in found]
                shutil.rmtree(os.path.dirname(db), ignore_errors=True)
            if runs and not killed:
                violations.append(f"{point} was never reached: no run was killed there, so nothing was tested")
            rows.append((point, provider, runs, killed, violations))
    return rows


def random_kills(harness, count, providers):
    rows = []
    for provider in providers:
        started = time.monotonic()
        harness.baseline(provider)
        budget = max(0.3, time.monotonic() - started)
        runs = killed = 0
        violations = []
        for seed in range(count):
            rng = random.Random(f"random/{provider}/{seed}")
            db, was_killed, sent, error = harness.run_once(provider, batch_requests=rng.randint(3, 60),
                                                           kill_after=rng.uniform(0.05, budget))
            runs += 1
            killed += was_killed
            found = [error] if error else harness.violations(provider, db, sent, point="random")
            violations += [f"seed {seed}: {v}" for v in found]
            shutil.rmtree(os.path.dirname(db), ignore_errors=True)
        if runs and not killed:
            violations.append("no random SIGKILL landed before its run ended")
        rows.append(("random SIGKILL", provider, runs, killed, violations))
    return rows


def races(harness, rounds):
    """A backfill and a tick started together; then ticks and a backfill finish whatever is left."""
    outcomes = {}
    violations = []
    contended = 0
    expected = harness.baseline("local")
    for round_ in range(rounds):
        db = harness.fresh_store(batch_requests=25)
        environment = dict(os.environ, **KEY)
        backfill = subprocess.Popen([harness.curate] + harness.backfill_args(db, "local", None),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
        tick = subprocess.Popen([harness.curate, "tick", "--db", db, "--json"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
        b_out, b_err = backfill.communicate()
        t_out, t_err = tick.communicate()
        key = f"backfill exit {backfill.returncode}, tick exit {tick.returncode}"
        outcomes[key] = outcomes.get(key, 0) + 1
        # Contended: one found the other's job (backfill exit 3, tick "foreign") or lost the claim (tick exit 1).
        contended += backfill.returncode == 3 or tick.returncode == 1 or '"outcome":"foreign"' in t_out
        if backfill.returncode not in (0, 3) or tick.returncode not in (0, 1):
            violations.append(f"round {round_}: {key}: {b_err.strip()} {t_err.strip()}")
        if backfill.returncode == 3 and "daemon job" not in b_err:
            violations.append(f"round {round_}: the backfill lost without a clear message: {b_err.strip()}")
        if tick.returncode == 1 and "claimed by another process" not in t_err:
            violations.append(f"round {round_}: the tick failed without a clear message: {t_err.strip()}")
        # Let the daemon's job (if any) be collected (one tick step at a time), then finish the backfill.
        for _ in range(10):
            if not daemon_job_in_slot(db):
                break
            harness.run_curate(["tick", "--db", db])
        finish = harness.run_curate(harness.backfill_args(db, "local", None))
        if finish.returncode != 0:
            violations.append(f"round {round_}: the finishing backfill failed: {finish.stderr.strip()}")
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            orphans = connection.execute("""
                SELECT count(*) FROM local_batches b
                WHERE NOT EXISTS (SELECT 1 FROM resolutions r WHERE r.job_id = b.job_nonce)
                  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.job_nonce = b.job_nonce)""").fetchone()[0]
            slot = connection.execute("SELECT count(*) FROM jobs").fetchone()[0]
            in_scope = {row[0] for row in connection.execute("SELECT prospect_id FROM resolutions")}
        finally:
            connection.close()
        if orphans:
            violations.append(f"round {round_}: {orphans} orphaned batch(es)")
        if slot:
            violations.append(f"round {round_}: the slot is not empty")
        if not set(expected["resolutions"]) <= in_scope:
            violations.append(f"round {round_}: prospects in scope left unresolved")
        shutil.rmtree(os.path.dirname(db), ignore_errors=True)
    if rounds and not contended:
        violations.append(f"no race was contended in {rounds} round(s): every backfill and tick ran unhindered")
    return outcomes, violations


def daemon_job_in_slot(db):
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM jobs WHERE coalesce(owner, 'daemon') = 'daemon'").fetchone()[0] > 0
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=20, help="runs per crash point and provider (default 20)")
    parser.add_argument("--random-kills", type=int, default=20, help="random-time SIGKILL runs per provider (default 20)")
    parser.add_argument("--races", type=int, default=100, help="backfill/tick race rounds (default 100)")
    parser.add_argument("--providers", default="local,anthropic", help="comma-separated (default local,anthropic)")
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"), help="where curate and curate-emulator are")
    arguments = parser.parse_args()
    providers = arguments.providers.split(",")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="curate-chaos-") as work:
        harness = Harness(arguments.bin, work)
        rows = crash_table(harness, arguments.seeds, providers)
        rows += random_kills(harness, arguments.random_kills, providers)
        print(f"{'point':<28} {'provider':<10} {'runs':>5} {'killed':>7} {'violations':>11}")
        for point, provider, runs, killed, violations in rows:
            print(f"{point:<28} {provider:<10} {runs:>5} {killed:>7} {len(violations):>11}")
        failures = [v for row in rows for v in row[4]]
        if arguments.races:
            outcomes, race_violations = races(harness, arguments.races)
            print(f"\nraces: {arguments.races} rounds of backfill + tick started together: "
                  + "; ".join(f"{count}× {key}" for key, count in sorted(outcomes.items()))
                  + f"; {len(race_violations)} violation(s)")
            failures += race_violations
    for failure in failures[:40]:
        print("violation:", failure)
    print(f"\n{len(failures)} violation(s) in {time.monotonic() - started:.0f} s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
