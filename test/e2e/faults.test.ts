// The fault matrix (issue 7) through the real binary: a registry that fails
// (5xx, reset, stall, bad or cut-short JSON), tarballs that are broken,
// tampered or hostile, a huge packument, a tarball on a foreign host, a
// lockfile entry claiming another package and a hidden install script. Each
// row of test/e2e/fault-cases.ts is run in a fresh project with an empty npm
// cache and must give its exit code and its one-line error (or finding), print
// no stack trace, and leave package.json, package-lock.json and node_modules
// byte-identical (or change only what the row allows).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { explain, type Harness } from './support.js';
import { FAULT_CASES, runFaultRun, startFaultHarness } from './fault-cases.js';

const faults = suite<{ harness: Harness }>('e2e: faults');

faults.before(async (context) => {
  // In-process: what a case asserts is safe-npm's answer (exit code, error line, files left alone), not the process.
  context.harness = await startFaultHarness({ runner: 'in-process' });
});
faults.after(async (context) => {
  await context.harness.close();
});

for (const testCase of FAULT_CASES) {
  faults(`${testCase.name}: ${testCase.runs.map((run) => `${run.args[0]}${run.args.includes('--lockfile') ? ' --lockfile' : ''} → ${run.exit}`).join(', ')}`, async ({ harness }) => {
    for (const run of testCase.runs) {
      const outcome = await runFaultRun(harness, testCase, run);
      assert.equal(outcome.problems, [], `${outcome.command}\n${explain(outcome.result)}`);
    }
  });
}

faults.run();
