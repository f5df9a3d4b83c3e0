#!/usr/bin/env node
// npm run measure:faults: the fault matrix of issue 7. Runs every case of
// test/e2e/fault-cases.ts (the table test/e2e/faults.test.ts asserts) against
// the fixture registry on loopback and prints one markdown row per command:
// the exit code, the first line of what safe-npm said, and whether the
// project (package.json, package-lock.json, node_modules) was left
// byte-identical. Needs `npm run build` (the runs use dist/) and tsx:
//
//   node --import tsx bench/fault-matrix.mjs [--only <case substring>]
//
// Exit code: 0 when every row behaved as the table expects, 1 otherwise (the
// differences are listed under the table).
import { FAULT_CASES, runFaultRun, startFaultHarness } from '../test/e2e/fault-cases.ts'

const onlyIndex = process.argv.indexOf('--only')
const only = onlyIndex === -1 ? null : process.argv[onlyIndex + 1]

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim()
const MAX_MESSAGE = 140

const harness = await startFaultHarness()
const rows = []
const problems = []
try {
  for (const testCase of FAULT_CASES) {
    if (only && !testCase.name.includes(only)) continue
    for (const run of testCase.runs) {
      const started = Date.now()
      const outcome = await runFaultRun(harness, testCase, run)
      const message = outcome.message.length > MAX_MESSAGE ? `${outcome.message.slice(0, MAX_MESSAGE - 1)}…` : outcome.message
      rows.push(`| ${cell(outcome.case)} | \`${cell(outcome.command)}\` | ${outcome.exit} | ${cell(message) || '—'} | ${outcome.untouched ? 'yes' : 'no'} |`)
      for (const problem of outcome.problems) problems.push(`- ${outcome.case}, \`${outcome.command}\`: ${problem}`)
      process.stderr.write(`${outcome.case}: ${outcome.command} → ${outcome.exit} (${Date.now() - started} ms)\n`)
    }
  }
} finally {
  await harness.close()
}

console.log('| case | command | exit code | message | files untouched |')
console.log('|---|---|---|---|---|')
for (const row of rows) console.log(row)
if (problems.length > 0) {
  console.log(`\n${problems.length} row(s) differ from the table in test/e2e/fault-cases.ts:\n`)
  for (const problem of problems) console.log(problem)
  process.exitCode = 1
}
