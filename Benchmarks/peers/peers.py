#!/usr/bin/env python3
"""Peers for curate-bench: the same exact greedy first-match clustering (and top-k recall) written
the way a competent user of numpy, faiss or scikit-learn would write it.

The Swift runner (`curate-bench --peers`) writes a job file and runs this script once per library
and BLAS set-up, with the venv made by `make peers-venv`:

    peers.py probe --library faiss                 # which BLAS core the library loads
    peers.py run --library numpy --job job.json    # time the job, print JSON on stdout

Semantics (ARCHITECTURE.md section 4): rows are visited in file order (the runner writes or passes
them already sorted by prospect_id); each row joins the first cluster, in creation order, whose
seed has reference cosine >= threshold, else it seeds a new cluster. The reference cosine is
dot / (|a| |b|) in float64 from the raw float32 values, 0 for a zero vector.

Exactness: every library computes similarities in float32. Each float similarity within an
error band of the threshold is re-checked with the float64 reference cosine, so the clusters are
those of the float64 loop. The band is the engine's (`ExactnessBand`: normalisation, float dot
product and reference rounding for dimension d) for numpy and faiss, which are fed vectors
normalised in float64 then rounded to float32 exactly as the engine does; scikit-learn
normalises again in float32 inside `cosine_similarity`, which adds up to about one more band, so
its band is three times as wide. The runner compares every peer's clusters with the engine's.

Timing covers the clustering (or the search) only: reading and normalising the vectors is not
timed, for the engine either.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np

LIBRARIES = ("numpy", "faiss", "sklearn")


def log(message):
    print(f"peers: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Data and the exactness band (same formulas as the engine)


def read_slice(spec):
    """Rows offset..offset+rows of a raw little-endian float32 file of `dim` columns."""
    dim, offset, rows = spec["dim"], spec["offset"], spec["rows"]
    values = np.fromfile(spec["file"], dtype="<f4", count=rows * dim, offset=offset * dim * 4)
    if values.size != rows * dim:
        raise SystemExit(f"{spec['file']}: expected {rows} rows of {dim} from row {offset}, found {values.size / dim:.0f}")
    return np.ascontiguousarray(values.reshape(rows, dim).astype(np.float32))


class Vectors:
    """Raw rows, their float64 norms and their unit rows rounded to float32 (zero rows stay 0)."""

    def __init__(self, raw):
        self.raw = raw
        self.raw64 = raw.astype(np.float64)
        self.norms = np.sqrt(np.einsum("ij,ij->i", self.raw64, self.raw64))
        safe = np.where(self.norms > 0, self.norms, 1.0)
        self.unit = np.ascontiguousarray((self.raw64 / safe[:, None]).astype(np.float32))

    def reference(self, i, j):
        """The float64 reference cosine of rows i and j (0 when either is a zero vector)."""
        if self.norms[i] == 0 or self.norms[j] == 0:
            return 0.0
        return float(self.raw64[i] @ self.raw64[j]) / (self.norms[i] * self.norms[j])


def band(d):
    """Bound on |float32 similarity - reference cosine| (the engine's ExactnessBand.band)."""
    u, ud = 2.0**-24, 2.0**-53
    n = float(max(d, 1))
    gamma = n * u / (1 - n * u)
    normalisation = 4 * u + 5 * u * u
    reference = (n + 3) * ud / (1 - (n + 3) * ud)
    return (gamma * (1 + 2 * u) * (1 + 2 * u) + normalisation + reference) * 1.01 + 2.0**-60


def bounds(threshold, width):
    """float32 (lo, hi): below lo certainly under the threshold, at or above hi certainly over."""
    lo, hi = np.float32(threshold - width), np.float32(threshold + width)
    if float(lo) > threshold - width:
        lo = np.nextafter(lo, np.float32(-np.inf))
    if float(hi) < threshold + width:
        hi = np.nextafter(hi, np.float32(np.inf))
    return lo, hi


# ---------------------------------------------------------------------------------------------
# Greedy first-match clustering, blocked: a block of rows against every seed so far in one
# matrix product, then the rows the block left unplaced resolved in order among themselves.


class Greedy:
    def __init__(self, vectors, threshold, width, block=1024):
        self.v = vectors
        self.t = threshold
        self.lo, self.hi = bounds(threshold, width)
        self.block = block
        self.rechecked = 0
        self.computed = 0

    def confirm(self, row, seed_row, similarity):
        """Whether a float similarity >= lo is a match: certainly above hi, else the reference decides."""
        if similarity >= self.hi:
            return True
        self.rechecked += 1
        return self.v.reference(row, seed_row) >= self.t

    def first_matches(self, sims, rows, seed_rows):
        """For each row of the similarity tile, the first column that matches (or -1)."""
        mask = sims >= self.lo
        has = mask.any(axis=1)
        first = mask.argmax(axis=1)
        out = np.full(sims.shape[0], -1, dtype=np.int64)
        candidates = np.flatnonzero(has)
        sure = sims[candidates, first[candidates]] >= self.hi
        out[candidates[sure]] = first[candidates[sure]]
        for r in candidates[~sure]:
            for j in np.flatnonzero(mask[r]):
                if self.confirm(rows[r], seed_rows[j], sims[r, j]):
                    out[r] = j
                    break
        return out

    def resolve_in_block(self, within, rows):
        """Sequential first match among the rows a block left unplaced: `within` holds their
        similarities with each other; returns for each the earlier row (position) it joins, or -1
        when it seeds a cluster."""
        joins = np.full(len(rows), -1, dtype=np.int64)
        new_seeds = np.empty(len(rows), dtype=np.int64)
        count = 0
        for a in range(len(rows)):
            if count:
                candidates = new_seeds[:count]
                row = within[a, candidates]
                hits = np.flatnonzero(row >= self.lo)
                for h in hits:
                    if self.confirm(rows[a], rows[candidates[h]], row[h]):
                        joins[a] = candidates[h]
                        break
            if joins[a] < 0:
                new_seeds[count] = a
                count += 1
        self.computed += len(rows) * (len(rows) - 1) // 2
        return joins

    def similarity(self, a, b):  # float32 tile a @ b.T (overridden per library)
        return a @ b.T

    def cluster(self):
        v = self.v
        n, d = v.unit.shape
        seeds = np.empty((n, d), dtype=np.float32)
        seed_rows = np.empty(n, dtype=np.int64)
        label = np.empty(n, dtype=np.int64)
        count = 0
        for start in range(0, n, self.block):
            rows = np.arange(start, min(start + self.block, n))
            lab = np.full(len(rows), -1, dtype=np.int64)
            if count:
                sims = self.similarity(self.tile_rows(rows), self.seed_tile(seeds, seed_rows, count))
                self.computed += sims.size
                lab = self.first_matches(sims, rows, seed_rows[:count])
            unplaced = rows[lab < 0]
            if len(unplaced):
                tile = self.tile_rows(unplaced)
                joins = self.resolve_in_block(self.similarity(tile, tile), unplaced)
                positions = np.flatnonzero(lab < 0)
                for a, p in enumerate(positions):
                    if joins[a] < 0:
                        seeds[count] = v.unit[unplaced[a]]
                        seed_rows[count] = unplaced[a]
                        lab[p] = count
                        count += 1
                    else:
                        lab[p] = lab[positions[joins[a]]]
            label[rows] = lab
        return clusters_from_labels(label)

    def tile_rows(self, rows):
        return self.v.unit[rows]

    def seed_tile(self, seeds, seed_rows, count):
        return seeds[:count]


class NumpyGreedy(Greedy):
    """numpy: float32 `block @ seeds.T` per block."""


class SklearnGreedy(Greedy):
    """scikit-learn: `cosine_similarity(block, seeds)` on the raw vectors per block (it normalises
    both sides in float32 on every call)."""

    def __init__(self, vectors, threshold, width, block=1024):
        super().__init__(vectors, threshold, 3 * width, block)
        from sklearn.metrics.pairwise import cosine_similarity

        self.cosine = cosine_similarity

    def similarity(self, a, b):
        return self.cosine(a, b)

    def tile_rows(self, rows):
        return self.v.raw[rows]

    def seed_tile(self, seeds, seed_rows, count):
        return self.v.raw[seed_rows[:count]]


class FaissGreedy(Greedy):
    """faiss: an `IndexFlatIP` of the seeds, grown with `add`; each block is one `range_search`
    (radius just below lo) and the first seed, in creation order, that matches wins. The rows a
    block leaves unplaced are range-searched against a small index of themselves and resolved in
    order."""

    def __init__(self, vectors, threshold, width, block=1024):
        super().__init__(vectors, threshold, width, block)
        import faiss

        self.faiss = faiss
        self.radius = float(np.nextafter(self.lo, np.float32(-np.inf)))

    def matches_against(self, index, queries, rows, seed_rows):
        """First matching seed of each query among `index`'s rows (or -1), from one range search."""
        lims, sims, ids = index.range_search(queries, self.radius)
        keep = sims >= self.lo
        owner = np.repeat(np.arange(len(queries)), np.diff(lims).astype(np.int64))[keep]
        sims, ids = sims[keep], ids[keep].astype(np.int64)
        order = np.lexsort((ids, owner))  # per query, seeds in creation order
        owner, sims, ids = owner[order], sims[order], ids[order]
        out = np.full(len(queries), -1, dtype=np.int64)
        sure = sims >= self.hi
        # The first certain seed of each query; then the uncertain seeds before it, in order,
        # re-checked until one matches.
        none = np.iinfo(np.int64).max
        best = np.full(len(queries), none, dtype=np.int64)
        np.minimum.at(best, owner[sure], ids[sure])
        for q, j, s in zip(owner[~sure], ids[~sure], sims[~sure]):
            if j < best[q] and self.confirm(rows[q], seed_rows[j], s):
                best[q] = j
        found = best != none
        out[found] = best[found]
        return out

    def cluster(self):
        v, faiss = self.v, self.faiss
        n, d = v.unit.shape
        index = faiss.IndexFlatIP(d)
        seed_rows = np.empty(n, dtype=np.int64)
        label = np.empty(n, dtype=np.int64)
        count = 0
        for start in range(0, n, self.block):
            rows = np.arange(start, min(start + self.block, n))
            lab = np.full(len(rows), -1, dtype=np.int64)
            if count:
                self.computed += len(rows) * count
                lab = self.matches_against(index, v.unit[rows], rows, seed_rows[:count])
            positions = np.flatnonzero(lab < 0)
            if len(positions):
                unplaced = rows[positions]
                local = faiss.IndexFlatIP(d)
                tile = v.unit[unplaced]
                local.add(tile)
                lims, sims, ids = local.range_search(tile, self.radius)
                is_seed = np.zeros(len(unplaced), dtype=bool)
                added = []
                for a in range(len(unplaced)):
                    lo_, hi_ = lims[a], lims[a + 1]
                    cand, cs = ids[lo_:hi_], sims[lo_:hi_]
                    pick = (cand < a) & (cs >= self.lo)
                    cand, cs = cand[pick], cs[pick]
                    joined = -1
                    for j in np.argsort(cand, kind="stable"):
                        b = cand[j]
                        if is_seed[b] and self.confirm(unplaced[a], unplaced[b], cs[j]):
                            joined = b
                            break
                    if joined >= 0:
                        lab[positions[a]] = lab[positions[joined]]
                    else:
                        is_seed[a] = True
                        seed_rows[count] = unplaced[a]
                        lab[positions[a]] = count
                        count += 1
                        added.append(a)
                self.computed += len(unplaced) * (len(unplaced) - 1) // 2
                index.add(tile[added])
            label[rows] = lab
        return clusters_from_labels(label)


def clusters_from_labels(label):
    """Clusters in creation order, members in visiting order."""
    order = np.argsort(label, kind="stable")
    bounds_ = np.flatnonzero(np.diff(label[order])) + 1
    return [part.tolist() for part in np.split(order, bounds_)] if len(label) else []


def digest(clusters):
    """FNV-1a 64 of `a,b,c;d;...` (the runner computes the same)."""
    h = 0xCBF29CE484222325
    text = ";".join(",".join(map(str, members)) for members in clusters).encode()
    for byte in text:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return format(h, "x")


# ---------------------------------------------------------------------------------------------
# Recall: faiss IndexFlatIP.search, k nearest by inner product of unit vectors.


def faiss_recall(queries, database, k):
    import faiss

    index = faiss.IndexFlatIP(database.unit.shape[1])
    index.add(database.unit)

    def search():
        return index.search(queries.unit, k)[1]

    return search


# ---------------------------------------------------------------------------------------------
# Environment


def blas_report(library):
    """threadpoolctl's view of the loaded BLAS libraries, and the one `library` multiplies with."""
    from threadpoolctl import threadpool_info

    info = threadpool_info()
    marker = {"numpy": "numpy", "sklearn": "numpy", "faiss": "faiss"}[library]
    main = next((i for i in info if i.get("internal_api") in ("openblas", "mkl", "blis") and marker in i.get("filepath", "")), None)
    if main is None:
        main = next((i for i in info if i.get("user_api") == "blas"), None)
    return info, main


def import_library(library):
    versions = {"python": sys.version.split()[0], "numpy": np.__version__}
    if library == "faiss":
        import faiss

        versions["faiss"] = faiss.__version__
    elif library == "sklearn":
        import scipy
        import sklearn

        versions["scikit-learn"] = sklearn.__version__
        versions["scipy"] = scipy.__version__
    import threadpoolctl

    versions["threadpoolctl"] = threadpoolctl.__version__
    return versions


class QuietGuard:
    """The runner's QuietGuard: a repetition of at least 0.2 s during which other processes took
    more than `threshold` of the machine's CPUs (/proc/stat busy time less this process's own CPU
    time) is re-run, at most twice, after waiting for a quiet machine, while `budget` seconds of
    waiting last. Each kept repetition reports the share others took."""

    def __init__(self, threshold, budget):
        self.threshold, self.budget, self.waited, self.retried = threshold, budget, 0.0, 0

    @staticmethod
    def sample():
        try:
            with open("/proc/stat") as f:
                v = [float(x) for x in f.readline().split()[1:9]]
            busy = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            busy = -1.0
        t = os.times()
        return time.perf_counter(), busy, t.user + t.system + t.children_user + t.children_system

    @staticmethod
    def others(a, b):
        wall = b[0] - a[0]
        if wall <= 0 or a[1] < 0 or b[1] < 0:
            return 0.0
        return min(1.0, max(0.0, (b[1] - a[1]) - (b[2] - a[2])) / (wall * (os.cpu_count() or 1)))

    def wait_for_quiet(self, maximum):
        start = time.perf_counter()
        while time.perf_counter() - start < maximum:
            a = self.sample()
            time.sleep(1)
            if self.others(a, self.sample()) < self.threshold / 2:
                break
        spent = time.perf_counter() - start
        self.waited += spent
        self.budget -= spent

    def timed(self, reps, budget, body):
        seconds, others, result, retries = [], [], None, 0
        while True:
            before = self.sample()
            result = body()
            after = self.sample()
            elapsed, share = after[0] - before[0], self.others(before, after)
            if elapsed >= 0.2 and share > self.threshold and retries < 2 and self.budget > 0:
                retries += 1
                self.retried += 1
                log(f"others took {100 * share:.0f} % of the CPUs during that {elapsed:.2f} s: waiting for a quiet machine, then again")
                self.wait_for_quiet(min(30.0, self.budget))
                continue
            seconds.append(elapsed)
            others.append(share)
            if len(seconds) >= reps or sum(seconds) >= budget:
                return seconds, others, result


def stringify(info):
    return [{k: str(v) for k, v in entry.items()} for entry in info]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("probe", "run"))
    parser.add_argument("--library", choices=LIBRARIES, required=True)
    parser.add_argument("--job", help="job file written by curate-bench (run)")
    args = parser.parse_args()

    versions = import_library(args.library)
    info, main_blas = blas_report(args.library)
    out = {
        "library": args.library,
        "versions": versions,
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "blas": {k: str(v) for k, v in (main_blas or {}).items()},
        "threadpool_info": stringify(info),
        "clustering": [],
        "recall": [],
        "waited": 0.0,
        "retried": 0,
    }
    if args.command == "run":
        with open(args.job) as f:
            job = json.load(f)
        reps, budget, threshold = job["reps"], job["rep_budget"], job["threshold"]
        quiet = QuietGuard(job.get("max_contention", 1.0), job.get("wait_budget", 0.0))
        kinds = {"numpy": NumpyGreedy, "faiss": FaissGreedy, "sklearn": SklearnGreedy}
        for item in job["clustering"]:
            vectors = Vectors(read_slice(item))
            width = band(item["dim"])
            runs = []

            def once():
                greedy = kinds[args.library](vectors, threshold, width)
                clusters = greedy.cluster()
                runs.append(greedy)
                return clusters

            seconds, others, clusters = quiet.timed(reps, budget, once)
            log(f"{args.library} cluster {item['id']}: {min(seconds):.3f} s (min of {len(seconds)}), {len(clusters)} clusters, "
                f"{runs[-1].rechecked} rechecked")
            out["clustering"].append({
                "id": item["id"], "seconds": seconds, "others": others, "clusters": clusters, "digest": digest(clusters),
                "rechecked": runs[-1].rechecked, "computed_pairs": runs[-1].computed,
            })
        if args.library == "faiss":
            for item in job["recall"]:
                queries, database = Vectors(read_slice(item["queries"])), Vectors(read_slice(item["database"]))
                search = faiss_recall(queries, database, item["k"])
                seconds, others, hits = quiet.timed(reps, budget, search)
                log(f"faiss recall {item['id']}: {min(seconds):.3f} s (min of {len(seconds)})")
                out["recall"].append({"id": item["id"], "seconds": seconds, "others": others, "hits": hits.tolist()})
        out["waited"], out["retried"] = quiet.waited, quiet.retried
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
