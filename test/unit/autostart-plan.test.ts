import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type AutostartCandidate, selectAutostart, startWaves, stopWaves } from '../../src/core/autostart-plan.js';

const c = (name: string, f: Partial<AutostartCandidate> = {}): AutostartCandidate => ({ name, auto: true, order: 0, delay: 0, groups: [], ...f });
const names = (l: AutostartCandidate[]) => l.map((x) => x.name);

const store = [
  c('web', { order: 10 }),
  c('db', { order: 1, delay: 3 }),
  c('cache', { order: 1 }),
  c('manual', { auto: false }),
  c('boot1', { groups: ['onboot'], order: 5 }),
  c('boot0', { groups: ['onboot', 'dev'], order: 2 }),
  c('devonly', { groups: ['dev'] }),
];

test('default: lxc.start.auto and no group, lower lxc.start.order first, then by name', () => {
  assert.deepEqual(names(selectAutostart(store, { all: false, ignoreAuto: false })), ['cache', 'db', 'web']);
});

test('-g takes groups in the given order, "" is the ungrouped; a container is taken once', () => {
  assert.deepEqual(names(selectAutostart(store, { all: false, ignoreAuto: false, groups: ['onboot', '', 'dev'] })), ['boot0', 'boot1', 'cache', 'db', 'web', 'devonly']);
});

test('-a: every group; -A: lxc.start.auto ignored', () => {
  assert.deepEqual(names(selectAutostart(store, { all: true, ignoreAuto: false })), ['devonly', 'cache', 'db', 'boot0', 'boot1', 'web']);
  assert.ok(names(selectAutostart(store, { all: true, ignoreAuto: true })).includes('manual'));
  assert.ok(!names(selectAutostart(store, { all: true, ignoreAuto: false })).includes('manual'));
});

test('waves: one per lxc.start.order; a delay closes its wave and is waited after it', () => {
  const sel = selectAutostart(store, { all: false, ignoreAuto: false });
  assert.deepEqual(startWaves(sel), [
    { names: ['cache', 'db'], delay: 3 },
    { names: ['web'], delay: 0 },
  ]);
  const delayed = [c('a', { delay: 2 }), c('b'), c('c')];
  assert.deepEqual(startWaves(delayed), [
    { names: ['a'], delay: 2 },
    { names: ['b', 'c'], delay: 0 },
  ]);
});

test('stop waves run the other way round, without delays', () => {
  const sel = selectAutostart(store, { all: false, ignoreAuto: false });
  assert.deepEqual(stopWaves(sel), [
    { names: ['web'], delay: 0 },
    { names: ['db', 'cache'], delay: 0 },
  ]);
});
