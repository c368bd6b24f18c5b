import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindArgs, commandHelp, parseArgv, UsageError, type CommandSpec } from '../../src/cli/args.js';

const options = [
  { flags: '-b, --bundle <dir>', description: 'bundle', default: '.' },
  { flags: '-d, --detach', description: 'detach' },
  { flags: '-e, --env <K=V>', description: 'env', repeatable: true },
  { flags: '--no-pivot', description: 'no pivot' },
];

test('long, short, = forms, defaults and repeatable options', () => {
  const r = parseArgv(['-b', '/x', '--env=A=1', 'id', '-e', 'B=2', '--detach', '--no-pivot'], options, 'c');
  assert.deepEqual(r.positionals, ['id']);
  assert.deepEqual(r.values, { bundle: '/x', env: ['A=1', 'B=2'], detach: true, noPivot: true });
  assert.equal(parseArgv([], options, 'c').values.bundle, '.');
});

test('getopt bundles: -dt is -d -t, a value-taking flag may end the bundle', () => {
  const opts = [...options, { flags: '-t, --tty', description: 't' }];
  assert.deepEqual(parseArgv(['-dt', 'x'], opts, 'c').values, { bundle: '.', detach: true, tty: true });
  assert.deepEqual(parseArgv(['-db', '/b'], opts, 'c').values, { bundle: '/b', detach: true });
  assert.throws(() => parseArgv(['-bd'], opts, 'c'), /unknown option '-bd'/);
});

test('pass-through: everything after the first positional is the command, one -- after the id is dropped', () => {
  assert.deepEqual(parseArgv(['-d', 'id', 'sh', '-c', 'x', '-d'], options, 'c', { passThrough: true }).positionals, ['id', 'sh', '-c', 'x', '-d']);
  assert.deepEqual(parseArgv(['id', '--', 'ls', '--', 'x'], options, 'c', { passThrough: true }).positionals, ['id', 'ls', '--', 'x']);
  const dashed = parseArgv(['-d', 'name', '--', 'echo', '-n'], options, 'c');
  assert.deepEqual([dashed.positionals, dashed.rest], [['name'], ['echo', '-n']]);
});

test('global options stop at the subcommand', () => {
  const r = parseArgv(['--bundle', 'r', 'create', '-d', 'x'], options, 'c', { stopAtPositional: true });
  assert.deepEqual(r.positionals, ['create', '-d', 'x']);
  assert.equal(r.values.bundle, 'r');
});

test('usage errors name the option and point at --help', () => {
  assert.throws(() => parseArgv(['--nope'], options, 'corral oci run'), (e: unknown) => e instanceof UsageError && /unknown option '--nope'/.test(e.message) && /corral oci run --help/.test(e.hint ?? ''));
  assert.throws(() => parseArgv(['-b'], options, 'c'), /needs a value/);
  assert.throws(() => parseArgv(['--detach=1'], options, 'c'), /takes no value/);
});

test('arguments are bound by name; missing and extra ones are usage errors', () => {
  const spec: CommandSpec = { name: 'kill', summary: 's', args: [{ name: 'id', description: '' }, { name: 'signal', description: '', optional: true }], run: async () => {} };
  assert.deepEqual(bindArgs(spec, ['a', 'KILL'], 'k'), { id: 'a', signal: 'KILL' });
  assert.deepEqual(bindArgs(spec, ['a'], 'k'), { id: 'a' });
  assert.throws(() => bindArgs(spec, [], 'k'), /missing argument <id>/);
  assert.throws(() => bindArgs(spec, ['a', 'b', 'c'], 'k'), /unexpected argument 'c'/);
  assert.match(commandHelp(spec, 'corral oci kill'), /Usage: corral oci kill \[options\] <id> \[signal\]/);
});
