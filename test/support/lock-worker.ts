// A process that takes and releases one container lock in a loop, for test/unit/lock.test.ts.
// While it holds the lock it owns a marker file made with O_EXCL: if two holders ever
// overlap, the second one's open fails and is counted. Some locks it abandons under a dead
// owner's name, as a killed command would, so that others must take them over.
// argv: runRoot name iterations abandonEvery
import { closeSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockContainer } from '../../src/core/lock.js';
import { CorralError } from '../../src/util/errors.js';

const [runRoot = '', name = '', iterations = '0', abandonEvery = '0'] = process.argv.slice(2);
const marker = join(runRoot, '..', `${name}.holder`);
const counts = { held: 0, busy: 0, overlaps: 0, abandoned: 0, errors: [] as string[] };
for (let i = 0; i < Number(iterations); i++) {
  let lock;
  try {
    lock = lockContainer(runRoot, name, 'test');
  } catch (err) {
    if (err instanceof CorralError && err.code === 'BAD_STATE') counts.busy++;
    else counts.errors.push(String(err));
    continue;
  }
  try {
    closeSync(openSync(marker, 'wx'));
  } catch {
    counts.overlaps++;
    lock.release();
    continue;
  }
  counts.held++;
  unlinkSync(marker);
  if (Number(abandonEvery) > 0 && i % Number(abandonEvery) === 0) {
    // pid 1's start time is never "x": an owner that is gone
    writeFileSync(join(runRoot, `.${name}.lock`, 'owner'), '1 x test');
    counts.abandoned++;
    continue;
  }
  lock.release();
}
process.stdout.write(JSON.stringify(counts));
