/**
 * Reads the custom `metadata_props` of an ONNX file (onnxruntime-node does not expose them) with a tiny
 * protobuf reader of the top-level ModelProto fields: field 14 is repeated StringStringEntryProto
 * {key = 1, value = 2}. Everything else is skipped by wire type, without decoding the graph.
 */
import { AtlasError } from '../common/index.js';

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly source: string) {}

  fail(why: string): never {
    throw new AtlasError('invalid_model', `${this.source}: not an ONNX model (${why} at byte ${this.pos})`);
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) this.fail('varint too large');
        return result;
      }
      mul *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.buf.length) this.fail('field runs past the end of the file');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0: this.varint(); return;
      case 1: this.advance(8); return;
      case 2: this.bytes(); return;
      case 5: this.advance(4); return;
      default: this.fail(`unsupported wire type ${wireType}`);
    }
  }

  advance(n: number): void {
    if (this.pos + n > this.buf.length) this.fail('field runs past the end of the file');
    this.pos += n;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeEntry(buf: Uint8Array, source: string): [string, string] {
  const r = new Reader(buf, source);
  let key = '';
  let value = '';
  while (r.pos < buf.length) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if ((field === 1 || field === 2) && wire === 2) {
      let s: string;
      try {
        s = utf8.decode(r.bytes());
      } catch {
        return r.fail('metadata entry is not UTF-8');
      }
      if (field === 1) key = s;
      else value = s;
    } else r.skip(wire);
  }
  return [key, value];
}

/** The ONNX file's metadata_props as a map (later entries win, as protobuf merging does). */
export function readOnnxMetadataProps(model: Uint8Array, source: string): Map<string, string> {
  const r = new Reader(model, source);
  const props = new Map<string, string>();
  let sawGraph = false;
  while (r.pos < model.length) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) r.fail('field number 0');
    if (field === 14 && wire === 2) {
      const [k, v] = decodeEntry(r.bytes(), source);
      props.set(k, v);
    } else {
      if (field === 7 && wire === 2) sawGraph = true;
      r.skip(wire);
    }
  }
  if (!sawGraph) r.fail('no graph');
  return props;
}
