// Decodes GET /v1/map (map.bin, layout in reference-map/map-file.ts) into typed arrays.

const MAGIC = 'FAMAP001';

/** @returns {{header: object, n: number, xy: Float32Array, rows: Uint32Array, codes: Uint16Array[], ids: string[], indexOfId: Map<string, number>}} */
export function decodeMap(buffer) {
  const bytes = new Uint8Array(buffer);
  const magic = new TextDecoder('latin1').decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new Error('GET /v1/map did not return a fractal-atlas map file');
  const headerBytes = new DataView(buffer).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerBytes)));
  const s = header.sections;
  const n = header.points;
  const xy = new Float32Array(buffer, s.xy.offset, 2 * n);
  const rows = new Uint32Array(buffer, s.rows.offset, n);
  const codes = header.levels.map((_, l) => new Uint16Array(buffer, s.codes.offset + l * n * 2, n));
  const ids = n === 0 ? [] : new TextDecoder().decode(bytes.subarray(s.ids.offset, s.ids.offset + s.ids.bytes)).split('\n');
  const indexOfId = new Map(ids.map((id, i) => [id, i]));
  return { header, n, xy, rows, codes, ids, indexOfId };
}
