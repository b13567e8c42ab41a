#!/usr/bin/python3
"""The HTTP peer of issue 12: FastAPI + uvicorn around Python hnswlib, what a SCimilarity user would put in
front of the engine SCimilarity ships. Serves POST /v1/search with fractal-atlas's JSON shape for embedding
queries ({"embeddings": [[...]], "k": 10} in; {"k", "results": [{"hits": [{cell_id, distance, levels...,
cl_id}]}]} out) over the widest prefix of a built fractal-atlas index (its stored vectors.f32, L2-normalised,
hnswlib cosine space, M = 16, ef_construction = 128, searched at the manifest's expansion_search).

  /usr/bin/python3 bench/fastapi_peer.py --index DIR --index-file FILE --port P [--workers 2] [--threads 2]

The hnswlib index is built once (2 threads) and saved to --index-file (reused when it is there); each uvicorn
worker loads it. Stock `uvicorn --workers 2` leaves Nagle on (the shared listening socket is made with
proto 0, so asyncio never sets TCP_NODELAY on accepted sockets) and stalls on delayed ACKs at ~23 req/s:
accepted sockets get TCP_NODELAY here. GET /healthz answers the worker's pid (the bench reads each
worker's CPU time from /proc). Queries are the adapter outputs (the peer has no adapter).
"""
import argparse
import json
import os
import socket
import sys
import time

import numpy as np

from uvicorn.protocols.http.h11_impl import H11Protocol

LEVELS = 4  # labels.bin: one uint16 block per level column, then the CL ids
NO_CL_ID = 0xFFFF
ENV = "FA_PEER_CONFIG"


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with TCP_NODELAY on the accepted socket."""

    def connection_made(self, transport):
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def widest(manifest):
    return max(manifest["prefixes"], key=lambda p: p["dims"])["dims"]


def load_vectors(index_dir, manifest):
    n = manifest["numCells"]
    width = manifest["numScales"] * manifest["scaleDim"]
    v = np.fromfile(os.path.join(index_dir, "vectors.f32"), dtype=np.float32).reshape(n, width)
    x = np.ascontiguousarray(v[:, : widest(manifest)])
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def build_index(index_dir, manifest, path, threads):
    """Builds the hnswlib index at the widest prefix and saves it to `path` (seconds taken)."""
    import hnswlib

    data = load_vectors(index_dir, manifest)
    t0 = time.perf_counter()
    index = hnswlib.Index(space="cosine", dim=data.shape[1])
    index.init_index(max_elements=data.shape[0], M=16, ef_construction=128, random_seed=1)
    index.set_num_threads(threads)
    index.add_items(data, np.arange(data.shape[0]))
    index.save_index(path)
    return time.perf_counter() - t0


def load_cell_ids(index_dir, n):
    raw = open(os.path.join(index_dir, "cellids.bin"), "rb").read()
    offsets = np.fromfile(os.path.join(index_dir, "cellid-offsets.bin"), dtype="<f8").astype(np.int64)
    return [raw[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]


def create_app(config):
    """The FastAPI app of one worker: loads the saved index, the cell ids and the labels."""
    import hnswlib
    from typing import List
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel

    manifest = json.load(open(os.path.join(config["index"], "manifest.json")))
    n, dims = manifest["numCells"], widest(manifest)
    index = hnswlib.Index(space="cosine", dim=dims)
    index.load_index(config["index_file"], max_elements=n)
    index.set_ef(config["ef"])
    index.set_num_threads(1)
    cell_ids = load_cell_ids(config["index"], n)
    lab = np.fromfile(os.path.join(config["index"], "labels.bin"), dtype="<u2")
    columns = manifest["levelColumns"]
    # Label strings per row, looked up once per hit like our engine does.
    levels = [(c, manifest["vocabularies"][c], lab[l * n : (l + 1) * n]) for l, c in enumerate(columns)]
    cl_codes = lab[LEVELS * n : (LEVELS + 1) * n]
    cl_vocab = manifest["clIdVocabulary"]
    app = FastAPI()

    class SearchBody(BaseModel):
        embeddings: List[List[float]]
        k: int = 10

    def hit(row, distance):
        h = {"cell_id": cell_ids[row], "distance": max(0.0, float(distance))}
        for c, vocab, codes in levels:
            h[c] = vocab[codes[row]]
        cl = int(cl_codes[row])
        h["cl_id"] = None if cl == NO_CL_ID else cl_vocab[cl]
        return h

    @app.get("/healthz")
    def healthz():
        return {"ok": True, "pid": os.getpid()}

    @app.post("/v1/search")
    def search(body: SearchBody):
        q = np.asarray(body.embeddings, dtype=np.float32)
        if q.ndim != 2 or q.shape[1] != dims or not 1 <= body.k <= 1000:
            raise HTTPException(status_code=400, detail=f"embeddings must be rows of {dims} floats, k in 1..1000")
        index.set_ef(max(config["ef"], body.k))
        rows, dist = index.knn_query(q / np.linalg.norm(q, axis=1, keepdims=True), k=body.k)
        results = [{"hits": [hit(int(r), d) for r, d in zip(rr, dd)]} for rr, dd in zip(rows, dist)]
        return JSONResponse({"prefix": manifest["numScales"], "dims": dims, "k": body.k, "results": results})

    return app


def app_from_env():
    """uvicorn's factory (--factory): each worker process builds its app from the launcher's config."""
    return create_app(json.loads(os.environ[ENV]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", required=True, help="fractal-atlas index folder")
    ap.add_argument("--index-file", required=True, help="hnswlib index file (built and saved here when missing)")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="build threads")
    args = ap.parse_args()
    import uvicorn

    manifest = json.load(open(os.path.join(args.index, "manifest.json")))
    if not os.path.exists(args.index_file):
        seconds = build_index(args.index, manifest, args.index_file, args.threads)
        print(json.dumps({"built": args.index_file, "seconds": seconds}), file=sys.stderr, flush=True)
    os.environ[ENV] = json.dumps({"index": args.index, "index_file": args.index_file, "ef": manifest["expansionSearch"]})
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    uvicorn.run("fastapi_peer:app_from_env", factory=True, host="127.0.0.1", port=args.port, workers=args.workers,
                http=NoDelayH11Protocol, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
