/** The label map: an atlas's own labels → CL ids or CL names. Parsing only; loader.ts reads the file. */
import { AtlasError } from '../common/index.js';

/**
 * Parses a label map: one mapping per line, two tab-separated columns (the atlas's label, then a CL id in any
 * accepted spelling or a CL name); blank lines and lines starting with `#` are skipped, surrounding
 * whitespace of each column trimmed. A line without exactly two non-empty columns, or a label mapped twice
 * to different targets, is an `invalid_argument` error naming the file and line.
 */
export function parseLabelMap(text: string, source: string): Map<string, string> {
  const map = new Map<string, string>();
  const lineOf = new Map<string, number>();
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const where = `label map ${source} line ${i + 1}`;
    const cols = raw.split('\t').map((c) => c.trim());
    if (cols.length !== 2) {
      throw new AtlasError('invalid_argument', `${where}: expected 2 tab-separated columns (atlas label, CL id or name), got ${cols.length}`);
    }
    const [label, target] = cols;
    if (label === '' || target === '') throw new AtlasError('invalid_argument', `${where}: ${label === '' ? 'the label' : 'the CL id or name'} is empty`);
    const prev = map.get(label);
    if (prev !== undefined && prev !== target) {
      throw new AtlasError('invalid_argument', `${where}: ${JSON.stringify(label)} is already mapped to ${JSON.stringify(prev)} on line ${lineOf.get(label)}`);
    }
    map.set(label, target);
    lineOf.set(label, i + 1);
  }
  if (map.size === 0) throw new AtlasError('invalid_argument', `label map ${source} has no mappings`);
  return map;
}
