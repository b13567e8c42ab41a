/**
 * Self time per function of a `node --cpu-prof` profile, top N (what BENCHMARKS.md quotes).
 *
 *   node dist/bench/cpu-profile-top.js FILE.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

const [file, top = '15'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
const total = profile.samples.length;
const self = new Map<string, number>();
for (const n of profile.nodes) {
  const where = n.callFrame.url ? `${n.callFrame.url.replace(/^.*\/dist\//, '')}:${n.callFrame.lineNumber + 1}` : '(native)';
  const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`;
  self.set(key, (self.get(key) ?? 0) + (n.hitCount ?? 0));
}
for (const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  process.stdout.write(`${((100 * hits) / total).toFixed(1).padStart(5)} %  ${key}\n`);
}
