/**
 * `map.bin`, the reference map of an index folder, written at build time and served as is by GET /v1/map:
 *
 *     "FAMAP001" | u32 header length H | H bytes of JSON header (space-padded to 4 bytes)
 *     | xy: f32 × 2n | rows: u32 × n | codes: u16 × n per level column (level-major, padded to 4 bytes)
 *     | ids: UTF-8 cell ids joined by "\n"
 *
 * All numbers little-endian; the header gives every section's byte offset, so a reader (the web page) needs
 * no other knowledge of the layout.
 */
import { LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';

/** First 8 bytes of a map file. */
export const MAP_MAGIC = 'FAMAP001';

/** Byte offset and length of one section. */
export interface MapSection {
  readonly offset: number;
  readonly bytes: number;
}

/** The JSON header of a map file (snake_case: the web page reads it as it is). */
export interface MapHeader {
  readonly format: 'fractal-atlas-map';
  readonly points: number;
  /** Cells of the reference the sample was drawn from. */
  readonly reference_cells: number;
  /** Level columns of `codes`, in order; codes index the manifest vocabularies (GET /v1/info). */
  readonly levels: readonly LevelColumn[];
  /** Every (level1..level4) code tuple of the reference with its cells, `[c1, c2, c3, c4, cells]` (the hierarchy tree). */
  readonly level_table: readonly (readonly number[])[];
  /** Cell Ontology id per label, per level column (null where the label has none or it is unknown). */
  readonly cl_ids: Readonly<Record<LevelColumn, readonly (string | null)[]>>;
  /** How the layout was made; `graph_seconds` of `seconds` went to the sample and its kNN graph, the rest to UMAP. */
  readonly layout: {
    readonly method: 'umap-js';
    readonly seed: number;
    readonly neighbours: number;
    readonly epochs: number;
    readonly seconds: number;
    readonly graph_seconds: number;
  };
  readonly sections: { readonly xy: MapSection; readonly rows: MapSection; readonly codes: MapSection; readonly ids: MapSection };
}

/** What a map file holds, as arrays. */
export interface MapContent {
  readonly header: Omit<MapHeader, 'format' | 'points' | 'levels' | 'sections'>;
  /** n × 2, row-major. */
  readonly xy: Float32Array;
  /** Reference row of each point. */
  readonly rows: Uint32Array;
  /** One code array of n per level column, LEVEL_COLUMNS order. */
  readonly codes: readonly Uint16Array[];
  readonly ids: readonly string[];
}

const pad4 = (n: number) => (n + 3) & ~3;

/** Encodes a map file. */
export function encodeMapFile(content: MapContent): Uint8Array {
  const n = content.rows.length;
  if (content.xy.length !== 2 * n || content.ids.length !== n || content.codes.length !== LEVEL_COLUMNS.length || content.codes.some((c) => c.length !== n)) {
    throw new RangeError('map content arrays disagree on the number of points');
  }
  if (content.ids.some((id) => id.includes('\n'))) throw new RangeError('a cell id of the map contains a newline');
  const ids = Buffer.from(content.ids.join('\n'), 'utf8');
  const sizes = { xy: n * 8, rows: n * 4, codes: pad4(n * 2 * LEVEL_COLUMNS.length), ids: ids.length };
  // The header holds the offsets, which depend on the header's length: pad it to a fixed length per attempt.
  let headerBytes = 0;
  let json = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    let at = 12 + headerBytes;
    const section = (bytes: number): MapSection => {
      const s = { offset: at, bytes };
      at += bytes;
      return s;
    };
    const header: MapHeader = {
      format: 'fractal-atlas-map',
      points: n,
      levels: LEVEL_COLUMNS,
      ...content.header,
      sections: { xy: section(sizes.xy), rows: section(sizes.rows), codes: section(sizes.codes), ids: section(sizes.ids) },
    };
    json = JSON.stringify(header);
    const need = pad4(Buffer.byteLength(json, 'utf8'));
    if (need === headerBytes) break;
    headerBytes = need;
  }
  const out = new Uint8Array(12 + headerBytes + sizes.xy + sizes.rows + sizes.codes + sizes.ids);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(MAP_MAGIC, 'latin1'), 0);
  view.setUint32(8, headerBytes, true);
  out.set(Buffer.from(json.padEnd(headerBytes, ' '), 'utf8'), 12);
  let at = 12 + headerBytes;
  out.set(new Uint8Array(content.xy.buffer, content.xy.byteOffset, sizes.xy), at);
  at += sizes.xy;
  out.set(new Uint8Array(content.rows.buffer, content.rows.byteOffset, sizes.rows), at);
  at += sizes.rows;
  content.codes.forEach((c, l) => out.set(new Uint8Array(c.buffer, c.byteOffset, n * 2), at + l * n * 2));
  at += sizes.codes;
  out.set(ids, at);
  return out;
}

/** Reads the header of a map file; a RangeError when the bytes are not one. */
export function decodeMapHeader(bytes: Uint8Array): MapHeader {
  if (bytes.length < 12 || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== MAP_MAGIC) throw new RangeError('not a fractal-atlas map file');
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + headerBytes > bytes.length) throw new RangeError('map file header is truncated');
  const header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + headerBytes)).toString('utf8')) as MapHeader;
  const s = header.sections;
  if (header.format !== 'fractal-atlas-map' || s.ids.offset + s.ids.bytes !== bytes.length) throw new RangeError('map file sections do not match its size');
  return header;
}
