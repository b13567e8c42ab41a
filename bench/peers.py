#!/usr/bin/python3
"""Peers of issue 12 on the vectors of a built fractal-atlas index: Python hnswlib (SCimilarity's engine) and
faiss HNSW, same M / ef_construction, same threads. Prints one JSON object.

  /usr/bin/python3 bench/peers.py --index DIR --queries DIR [--threads 2] [--repeats 3]

DIR of --queries is what `node dist/bench/annotate-plans.js --export DIR` writes: queries.f32 (held-out adapter
outputs, n x width), truth.i32 (per level, codes into the index vocabularies), meta.json. Engines that are not
installed are skipped with a reason in the output.
"""
import argparse
import json
import os
import time

import numpy as np

LEVELS = 4  # labels.bin holds one uint16 block per level column, then the CL ids


def median(xs):
    return sorted(xs)[len(xs) // 2]


def prefix(v, d):
    x = np.ascontiguousarray(v[:, :d], dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def vote(labels, idx):
    """Majority label per row of idx (n x k) at every level (ties: lowest code)."""
    n = idx.shape[0]
    out = []
    for lab in labels:
        codes = lab[idx].astype(np.int64)
        v = int(lab.max()) + 1
        counts = np.bincount((codes + np.arange(n)[:, None] * v).ravel(), minlength=n * v).reshape(n, v)
        out.append(counts.argmax(axis=1))
    return out


def accuracy(pred, truth):
    return [float((p == t).mean()) for p, t in zip(pred, truth)]


def timed(fn, repeats, cpu=None):
    """Median wall seconds (and the runs); appends the median process CPU seconds (all threads) to `cpu`."""
    runs, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        runs.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    if cpu is not None:
        cpu.append(median(cpus))
    return median(runs), runs


def recall(found, truth):
    k = truth.shape[1]
    return float(np.mean([len(set(f[:k]) & set(t)) / k for f, t in zip(found, truth)]))


class Hnswlib:
    name = "hnswlib"

    def __init__(self, data, m, efc, threads):
        import hnswlib

        self.index = hnswlib.Index(space="cosine", dim=data.shape[1])
        self.index.init_index(max_elements=data.shape[0], M=m, ef_construction=efc, random_seed=1)
        self.index.set_num_threads(threads)
        self.threads = threads
        self.index.add_items(data, np.arange(data.shape[0]))

    def search(self, q, k, ef, threads=None):
        self.index.set_ef(max(ef, k))
        self.index.set_num_threads(threads or self.threads)
        idx, _ = self.index.knn_query(q, k=k)
        return idx


class FaissHnsw:
    name = "faiss"

    def __init__(self, data, m, efc, threads):
        import faiss

        self.faiss = faiss
        faiss.omp_set_num_threads(threads)
        self.threads = threads
        self.index = faiss.IndexHNSWFlat(data.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = efc
        self.index.add(data)

    def search(self, q, k, ef, threads=None):
        self.faiss.omp_set_num_threads(threads or self.threads)
        self.index.hnsw.efSearch = max(ef, k)
        _, idx = self.index.search(q, k)
        return idx


def exact_top(q, data, k, chunk=100):
    """Exact k nearest rows of each query (any order; recall ignores it), a chunk of queries at a time so that a
    1M-cell reference never needs a queries x cells matrix of gigabytes."""
    out = []
    for s in range(0, len(q), chunk):
        sims = q[s : s + chunk] @ data.T
        out.append(np.argpartition(-sims, k, axis=1)[:, :k])
    return np.concatenate(out)


def measure_engine(cls, vectors, labels, queries, truth, widths, args):
    res = {"builds": {}}
    indexes = {}
    for d in widths:
        data = prefix(vectors, d)
        t0 = time.perf_counter()
        indexes[d] = cls(data, args.M, args.efc, args.threads)
        res["builds"][d] = time.perf_counter() - t0
    full = max(widths)
    qf = prefix(queries, full)
    body = args.body

    def annotate_full():
        preds = [[] for _ in labels]
        for s in range(0, len(qf), body):
            for i, p in enumerate(vote(labels, indexes[full].search(qf[s : s + body], args.k, args.ef))):
                preds[i].append(p)
        return [np.concatenate(p) for p in preds]

    pred = annotate_full()
    cpu = []
    t, runs = timed(annotate_full, args.repeats, cpu)
    res["annotate_one_search"] = {"cells_per_s": len(qf) / t, "cpu_us_per_cell": 1e6 * cpu[0] / len(qf), "runs_s": runs, "accuracy": accuracy(pred, truth)}
    qs = {d: prefix(queries, d) for d in widths}

    def annotate_per_level():
        preds = []
        for level, d in enumerate(sorted(widths)[:LEVELS]):
            out = []
            for s in range(0, len(qf), body):
                out.append(vote([labels[level]], indexes[d].search(qs[d][s : s + body], args.k, args.ef))[0])
            preds.append(np.concatenate(out))
        return preds

    if len(widths) >= LEVELS:
        pred = annotate_per_level()
        cpu = []
        t, runs = timed(annotate_per_level, args.repeats, cpu)
        res["annotate_per_level"] = {"cells_per_s": len(qf) / t, "cpu_us_per_cell": 1e6 * cpu[0] / len(qf), "runs_s": runs, "accuracy": accuracy(pred, truth)}
    # Search: recall@10 against exact neighbours, single queries (1 thread) and a batch of 1,000 (all threads).
    nq = min(1000, len(qf))
    for d in sorted({full, min(widths)}):
        data = prefix(vectors, d)
        q = qs[d][:nq]
        exact = exact_top(q, data, 10)
        rows = []
        for ef in args.efs:
            found = indexes[d].search(q, 10, ef, threads=1)
            r = recall(found, exact)

            def single():
                for i in range(nq):
                    indexes[d].search(q[i : i + 1], 10, ef, threads=1)

            ts, _ = timed(single, args.repeats)
            tb, _ = timed(lambda: indexes[d].search(q, 10, ef), args.repeats)
            rows.append({"ef": ef, "recall_at_10": r, "single_qps": nq / ts, "batch_qps": nq / tb})
        res[f"search_{d}"] = rows
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--ef", type=int, default=100)
    ap.add_argument("--M", type=int, default=16)
    ap.add_argument("--efc", type=int, default=128)
    ap.add_argument("--body", type=int, default=1000)
    ap.add_argument("--efs", default="16,24,32,48,64,100")
    ap.add_argument("--engines", default="hnswlib,faiss")
    ap.add_argument("--widths", default="32,64,96,128")
    ap.add_argument("--faiss-widths", default="32,128", help="faiss builds are the slow part: only these prefixes")
    args = ap.parse_args()
    args.efs = [int(x) for x in args.efs.split(",")]
    meta = json.load(open(os.path.join(args.queries, "meta.json")))
    manifest = json.load(open(os.path.join(args.index, "manifest.json")))
    n_cells, width = meta["numCells"], meta["width"]
    vectors = np.fromfile(os.path.join(args.index, "vectors.f32"), dtype=np.float32).reshape(n_cells, width)
    lab = np.fromfile(os.path.join(args.index, "labels.bin"), dtype=np.uint16)
    labels = [lab[l * n_cells : (l + 1) * n_cells] for l in range(LEVELS)]
    queries = np.fromfile(os.path.join(args.queries, "queries.f32"), dtype=np.float32).reshape(meta["n"], width)
    t = np.fromfile(os.path.join(args.queries, "truth.i32"), dtype=np.int32).reshape(LEVELS, meta["n"])
    truth = [t[l] for l in range(LEVELS)]
    widths = [int(x) for x in args.widths.split(",")]
    out = {"cells": n_cells, "queries": meta["n"], "threads": args.threads, "M": args.M, "efc": args.efc, "k": args.k, "ef": args.ef, "loadavg_start": os.getloadavg()[0], "engines": {}}
    del manifest
    for name in args.engines.split(","):
        cls = {"hnswlib": Hnswlib, "faiss": FaissHnsw}[name]
        try:
            __import__({"hnswlib": "hnswlib", "faiss": "faiss"}[name])
        except ImportError as e:
            out["engines"][name] = {"skipped": f"not installed: {e}"}
            continue
        ws = widths if name != "faiss" else [int(x) for x in args.faiss_widths.split(",")]
        out["engines"][name] = measure_engine(cls, vectors, labels, queries, truth, ws, args)
        out["engines"][name]["loadavg"] = os.getloadavg()[0]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
