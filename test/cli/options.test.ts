/** The shared option table: one declaration gives parseArgs config, typed values, --help and error lines. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { isAtlasError } from '../../common/index.js';
import { defineCommand, parseCommandArgs, type CliIo } from '../../cli/command.js';
import { option } from '../../cli/options.js';

const sink = (): CliIo => {
  const s = new Writable({ write: (_c, _e, done) => done() });
  return { stdout: s, stderr: s };
};

let seen: unknown;
const command = defineCommand({
  name: 'demo',
  summary: 'a test command',
  synopsis: ['--in FILE [options]'],
  options: {
    in: option.required('FILE', 'input file'),
    k: option.int('N', 'neighbours (default 5)', { fallback: 5, min: 1, max: 10 }),
    ratio: option.number('X', ['share', 'second line'], { fallback: 0.5, min: 0, max: 1 }),
    mode: option.choice('M', 'a or b', ['a', 'b'] as const, 'a'),
    note: option.text('TEXT', 'optional'),
    dry: option.flag('do nothing'),
  },
  notes: ['A note.'],
  async run(values) {
    seen = values;
  },
});

async function run(argv: string[]) {
  const { values, positionals } = parseCommandArgs(command, argv);
  await command.run(values, positionals, sink());
  return seen;
}

test('values are typed and defaulted from the table', async () => {
  assert.deepEqual(await run(['--in', 'x.parquet']), { in: 'x.parquet', k: 5, ratio: 0.5, mode: 'a', dry: false });
  assert.deepEqual(await run(['--in', 'x', '--k', '7', '--ratio', '0.25', '--mode', 'b', '--note', 'hi', '--dry']), { in: 'x', k: 7, ratio: 0.25, mode: 'b', note: 'hi', dry: true });
});

test('bad values are one invalid_argument line naming the command and the option', async () => {
  const cases: [string[], RegExp][] = [
    [[], /^demo: --in is required$/],
    [['--in', 'x', '--k', '11'], /^demo: --k must be an integer in \[1, 10\], got "11"$/],
    [['--in', 'x', '--k', '2.5'], /^demo: --k must be an integer/],
    [['--in', 'x', '--ratio', 'half'], /^demo: --ratio must be a number in \[0, 1\], got "half"$/],
    [['--in', 'x', '--mode', 'c'], /^demo: --mode must be one of a, b, got "c"$/],
    [['--in', 'x', '--note', ''], /^demo: --note must not be empty$/],
    [['--in', 'x', 'extra'], /^demo: unexpected argument "extra"$/],
    [['--in', 'x', '--nope'], /^demo: unknown option --nope; see fractal-atlas demo --help$/],
    [['--in', 'x', '--rat', '0.5'], /^demo: unknown option --rat \(did you mean --ratio\?\); see fractal-atlas demo --help$/],
    [['--in', 'x', '--k'], /^demo: Option '--k <value>' argument missing$/],
  ];
  for (const [argv, re] of cases) {
    await assert.rejects(run(argv), (e) => isAtlasError(e, 'invalid_argument') && re.test(e.message), argv.join(' '));
  }
});

test('--help text: usage line, aligned options with continuation lines, notes', () => {
  assert.equal(
    command.usage,
    [
      'usage: fractal-atlas demo --in FILE [options]',
      '',
      '  --in FILE    input file',
      '  --k N        neighbours (default 5)',
      '  --ratio X    share',
      '               second line',
      '  --mode M     a or b',
      '  --note TEXT  optional',
      '  --dry        do nothing',
      '',
      'A note.',
    ].join('\n'),
  );
  assert.deepEqual(command.options.dry, { type: 'boolean' });
  assert.deepEqual(command.options.k, { type: 'string' });
});
