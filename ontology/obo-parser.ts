import { AtlasError } from '../common/index.js';

/** One `synonym:` line: the quoted text and its scope (EXACT, BROAD, NARROW, RELATED). */
export interface OboSynonym {
  readonly text: string;
  readonly scope: string;
}

/** One `relationship:` line: the relation type (e.g. `develops_from`) and its target id. */
export interface OboRelationship {
  readonly type: string;
  readonly target: string;
}

/** One `[Term]` stanza, with the tags the hierarchy needs. */
export interface OboTerm {
  readonly id: string;
  /** The term's name; undefined when the stanza has none. */
  readonly name: string | undefined;
  readonly synonyms: readonly OboSynonym[];
  /** `is_a` targets, qualifiers and comments stripped. */
  readonly isA: readonly string[];
  readonly relationships: readonly OboRelationship[];
  readonly isObsolete: boolean;
  readonly replacedBy: readonly string[];
  /** `subset:` memberships (e.g. `human_reference_atlas`). */
  readonly subsets: readonly string[];
}

/** A parsed OBO file: header tags and the `[Term]` stanzas in file order (`[Typedef]`s are skipped). */
export interface OboDocument {
  readonly header: Readonly<Record<string, readonly string[]>>;
  readonly terms: readonly OboTerm[];
}

interface MutableTerm {
  id: string | undefined;
  name: string | undefined;
  synonyms: OboSynonym[];
  isA: string[];
  relationships: OboRelationship[];
  isObsolete: boolean;
  replacedBy: string[];
  subsets: string[];
  line: number;
}

const TAG_LINE = /^([A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)?):\s*(.*)$/;
const STANZA_LINE = /^\[([A-Za-z]+)\]\s*$/;

/**
 * Removes an unescaped trailing `! comment` and `{...}` qualifier block from a tag value. A `!` only starts a
 * comment at the start or after whitespace, so ids and URLs that contain `!` survive.
 */
export function stripTrailing(value: string): string {
  let v = value;
  const bang = v.search(/(^|\s)!/);
  if (bang >= 0) v = v.slice(0, bang);
  v = v.trimEnd();
  if (v.endsWith('}')) {
    const open = v.lastIndexOf('{');
    if (open >= 0 && v[open - 1] !== '\\') v = v.slice(0, open);
  }
  return v.trim();
}

/** Reads a quoted OBO string starting at `value[0] === '"'`; returns the unescaped text and the rest. */
function readQuoted(value: string, lineNo: number): { text: string; rest: string } {
  let text = '';
  for (let i = 1; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      const n = value[++i];
      text += n === 'n' ? '\n' : n === 't' ? '\t' : n;
    } else if (c === '"') {
      return { text, rest: value.slice(i + 1).trim() };
    } else {
      text += c;
    }
  }
  throw new AtlasError('invalid_obo', `invalid OBO: unterminated quoted string on line ${lineNo}`);
}

function parseSynonym(value: string, lineNo: number): OboSynonym {
  if (!value.startsWith('"')) throw new AtlasError('invalid_obo', `invalid OBO: synonym without quoted text on line ${lineNo}`);
  const { text, rest } = readQuoted(value, lineNo);
  const scope = /^([A-Z_]+)\b/.exec(rest)?.[1] ?? 'RELATED';
  // OBO 1.2 default scope is RELATED when none is given.
  return { text, scope: ['EXACT', 'BROAD', 'NARROW', 'RELATED'].includes(scope) ? scope : 'RELATED' };
}

function freeze(t: MutableTerm): OboTerm {
  return {
    id: t.id as string,
    name: t.name,
    synonyms: t.synonyms,
    isA: t.isA,
    relationships: t.relationships,
    isObsolete: t.isObsolete,
    replacedBy: t.replacedBy,
    subsets: t.subsets,
  };
}

/** Records one `tag: value` line of a [Term] stanza; tags the hierarchy does not use are ignored. */
function applyTermTag(term: MutableTerm, tag: string, value: string, lineNo: number): void {
  switch (tag) {
    case 'id':
      term.id = stripTrailing(value);
      break;
    case 'name':
      term.name = stripTrailing(value);
      break;
    case 'synonym':
      term.synonyms.push(parseSynonym(value, lineNo));
      break;
    case 'is_a': {
      const target = stripTrailing(value);
      if (target === '') throw new AtlasError('invalid_obo', `invalid OBO: empty is_a on line ${lineNo}`);
      term.isA.push(target);
      break;
    }
    case 'relationship': {
      const parts = stripTrailing(value).split(/\s+/);
      if (parts.length < 2 || parts[0] === '' || parts[1] === '') {
        throw new AtlasError('invalid_obo', `invalid OBO: relationship needs a type and a target on line ${lineNo}`);
      }
      term.relationships.push({ type: parts[0], target: parts[1] });
      break;
    }
    case 'is_obsolete':
      term.isObsolete = stripTrailing(value) === 'true';
      break;
    case 'replaced_by':
      term.replacedBy.push(stripTrailing(value));
      break;
    case 'subset':
      term.subsets.push(stripTrailing(value));
      break;
    default:
      break;
  }
}

/**
 * Parses OBO 1.2 text (e.g. `cl-basic.obo`). Keeps `[Term]` stanzas with id, name, synonyms (scope kept),
 * is_a and relationship targets (qualifiers and comments stripped), is_obsolete, replaced_by and subsets.
 * Other stanza types are skipped. Throws AtlasError('invalid_obo') on anything that is not OBO.
 */
export function parseObo(text: string): OboDocument {
  if (typeof text !== 'string' || text.length === 0) throw new AtlasError('invalid_obo', 'invalid OBO: the file is empty');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  const header: Record<string, string[]> = {};
  const terms: OboTerm[] = [];
  let stanza: string | null = null;
  let term: MutableTerm | null = null;
  let stanzas = 0;

  const finish = (): void => {
    if (term === null) return;
    if (term.id === undefined || term.id === '') {
      throw new AtlasError('invalid_obo', `invalid OBO: [Term] stanza on line ${term.line} has no id`);
    }
    terms.push(freeze(term));
    term = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.trim();
    if (line === '' || line.startsWith('!')) continue;
    const lineNo = i + 1;
    const st = STANZA_LINE.exec(line);
    if (st) {
      finish();
      stanza = st[1];
      stanzas++;
      if (stanza === 'Term') {
        term = { id: undefined, name: undefined, synonyms: [], isA: [], relationships: [], isObsolete: false, replacedBy: [], subsets: [], line: lineNo };
      }
      continue;
    }
    const m = TAG_LINE.exec(line);
    if (!m) {
      const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line;
      throw new AtlasError('invalid_obo', `invalid OBO: line ${lineNo} is not a "tag: value" line: ${JSON.stringify(shown)}`);
    }
    const [, tag, value] = m;
    if (stanza === null) {
      (header[tag] ??= []).push(value);
      continue;
    }
    if (term === null) continue; // inside a [Typedef] or [Instance]
    applyTermTag(term, tag, value, lineNo);
  }
  finish();
  if (terms.length === 0) {
    throw new AtlasError('invalid_obo', stanzas === 0 ? 'invalid OBO: no [Term] stanzas found' : 'invalid OBO: the file has no [Term] stanzas');
  }
  return { header, terms };
}
