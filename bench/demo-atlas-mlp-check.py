"""Sanity check of the demo atlas's removable confusion: a small supervised nonlinear model (MLP, 128-d
L2-normalised output, one classification head per level) trained on the cells outside the stratified sample,
then cosine 5-NN leave-one-out on the sample, raw vs learned. Debian's /usr/bin/python3 (torch, numpy).

    node dist/bench/measure-demo-atlas.js --cells 100000 --seed 1 --export /tmp/demo-export
    /usr/bin/python3 bench/demo-atlas-mlp-check.py /tmp/demo-export

Tie-breaking of the vote as in eval/knn-accuracy.ts (closest neighbour among tied labels); neighbour ties by
a stable sort, i.e. lower row first.
"""
import sys
import time

import numpy as np
import torch
import torch.nn as nn

DIR = sys.argv[1] if len(sys.argv) > 1 else '/tmp/demo-export'
EPOCHS = int(sys.argv[2]) if len(sys.argv) > 2 else 6
torch.manual_seed(0)
np.random.seed(0)
X = np.fromfile(f'{DIR}/x.f32', dtype='<f4').reshape(-1, 128)
Y = np.fromfile(f'{DIR}/y.i32', dtype='<i4').reshape(-1, 4).astype(np.int64)
sample = np.fromfile(f'{DIR}/sample.i32', dtype='<i4').astype(np.int64)
train = np.setdiff1d(np.arange(len(X)), sample)
num_classes = [int(Y[:, level].max()) + 1 for level in range(4)]


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(128, 512), nn.GELU(), nn.Linear(512, 512), nn.GELU(), nn.Linear(512, 128))
        self.heads = nn.ModuleList([nn.Linear(128, c) for c in num_classes])

    def forward(self, x):
        e = nn.functional.normalize(self.body(x), dim=1)
        return e, [head(e) * 10 for head in self.heads]


model = Model()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
t0 = time.time()
for epoch in range(EPOCHS):
    perm = torch.from_numpy(np.random.permutation(train))
    for i in range(0, len(perm), 512):
        idx = perm[i:i + 512]
        _, logits = model(Xt[idx])
        loss = sum(nn.functional.cross_entropy(lg, Yt[idx, level]) for level, lg in enumerate(logits))
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f'epoch {epoch + 1}/{EPOCHS} loss {float(loss):.3f} ({time.time() - t0:.0f} s)', flush=True)


def knn_accuracy(E, labels, k=5):
    E = E / np.linalg.norm(E, axis=1, keepdims=True)
    S = E @ E.T
    np.fill_diagonal(S, -np.inf)
    neighbours = np.argsort(-S, axis=1, kind='stable')[:, :k]
    out = []
    for level in range(4):
        lab = labels[:, level]
        votes = lab[neighbours]
        correct = 0
        for i in range(len(E)):
            vals, counts = np.unique(votes[i], return_counts=True)
            best = set(vals[counts == counts.max()])
            pred = next(v for v in votes[i] if v in best)
            correct += pred == lab[i]
        out.append(correct / len(E))
    return out


with torch.no_grad():
    learned = model(Xt[torch.from_numpy(sample)])[0].numpy()
fmt = lambda xs: ' / '.join(f'{x:.3f}' for x in xs)
print(f'5-NN LOO on {len(sample)} stratified cells, system / lineage / type / subtype')
print(f'raw      {fmt(knn_accuracy(X[sample], Y[sample]))}')
print(f'MLP      {fmt(knn_accuracy(learned, Y[sample]))}')
