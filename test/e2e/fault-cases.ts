// The fault matrix (issue 7): what safe-npm does when the registry or a
// package misbehaves. One table of cases, each a fault and the commands run
// under it, with the exit code, the one-line error code or finding code, and
// what may change in the project. test/e2e/faults.test.ts asserts it;
// bench/fault-matrix.mjs (npm run measure:faults) prints it as markdown.
import { createHash } from 'node:crypto';
import { cp, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FailureKind, FailureTarget, FixtureRegistry } from '../helpers/fixture-registry.js';
import { HOSTILE_ENTRIES, cutShortTarball, hostileTarball } from '../helpers/raw-tarball.js';
import type { RunResult } from '../helpers/run-cli.js';
import { diffSnapshots, snapshot } from '../helpers/workspace.js';
import { explain, findingsOf, sandbox, startHarness, type Harness, type HarnessOptions, type Sandbox, type SafeNpmRunner } from './support.js';

/** Small, so that a registry that never answers fails a run in about a second. */
const FETCH_TIMEOUT_MS = 1500;
const HOSTILE = Object.keys(HOSTILE_ENTRIES) as Array<keyof typeof HOSTILE_ENTRIES>;

/**
 * The project a run starts from: `fresh` is package.json alone; `installed`
 * adds package-lock.json and node_modules, installed by safe-npm before the
 * fault is switched on; `npm-lockfile` adds a package-lock.json written by
 * plain npm with the fault on (what a lying registry leaves behind);
 * `identity-lockfile` is a package-lock.json whose fresh-pkg entry claims
 * left-pad-lite@1.0.0 but resolves to the fresh-pkg 1.0.1 tarball.
 */
type ProjectState = 'fresh' | 'installed' | 'npm-lockfile' | 'identity-lockfile';

export interface FaultRun {
  project: ProjectState;
  args: string[];
  exit: number;
  /** The `safe-npm: error CODE` of a failure (`A|B`: either, where npm's own report depends on which extraction fails first), or the finding code that blocks (or, on exit 0, is reported). */
  code?: string;
  /** Project paths allowed to change (default: none; package.json, the lockfile and node_modules stay byte-identical). */
  writes?: RegExp;
}

export interface FaultCase {
  name: string;
  dependencies: Record<string, string>;
  /** A registry failure switched on for the case; hostile tarballs and lying packuments are fixture packages instead. */
  failure?: { package: string; kind: FailureKind; target: FailureTarget };
  /** A policy for the project (.safe-npmrc.json). */
  policy?: Record<string, unknown>;
  /** npm's fetch-timeout for the runs; default FETCH_TIMEOUT_MS. */
  fetchTimeoutMs?: number;
  runs: FaultRun[];
  /**
   * How safe-npm runs for this case; default the harness's. An install script
   * takes the environment of the process that runs it (its marker dir), so a
   * case about one runs the binary.
   */
  runner?: SafeNpmRunner;
  /** Further checks after each run (returns what is wrong, or nothing). */
  verify?: (context: { harness: Harness; box: Sandbox; result: RunResult }) => Promise<string | undefined> | string | undefined;
}

const WITH_DEP = { 'with-dep': '^1.0.0' };

/** A packument that cannot be had: a fresh resolution cannot proceed (exit 3); a lockfile's facts are unverifiable (exit 1). */
function packumentFault(name: string, kind: FailureKind, freshCode: string): FaultCase {
  return {
    name,
    dependencies: WITH_DEP,
    failure: { package: 'tiny-dep', kind, target: 'packument' },
    runs: [
      { project: 'fresh', args: ['install'], exit: 3, code: freshCode },
      { project: 'installed', args: ['ci'], exit: 1, code: 'unverifiable/facts-unavailable' },
      { project: 'installed', args: ['check', '--lockfile'], exit: 1, code: 'unverifiable/facts-unavailable' },
    ],
  };
}

/** A tarball that cannot be read before reify: the manifest-confusion check cannot vouch for it, so nothing is written. */
function tarballFault(name: string, kind: FailureKind): FaultCase {
  return {
    name,
    dependencies: WITH_DEP,
    failure: { package: 'tiny-dep', kind, target: 'tarball' },
    runs: [
      { project: 'fresh', args: ['install'], exit: 1, code: 'manifest-confusion/tarball-unreadable' },
      { project: 'installed', args: ['ci'], exit: 1, code: 'manifest-confusion/tarball-unreadable' },
    ],
  };
}

/**
 * A tarball whose entries would write out of its folder. tar refuses a path
 * with `..` (TAR_ENTRY_ERROR), which fails the extraction (EEXTRACT, exit 3,
 * rolled back); pacote drops link entries, so a file "written through" a link
 * lands inside the package as a plain file.
 */
function hostileCase(kind: (typeof HOSTILE)[number], expected: Pick<FaultRun, 'exit' | 'code'>): FaultCase {
  const name = `hostile-${kind}`;
  return {
    name: `${kind} entries in a tarball`,
    dependencies: { 'left-pad': '^1.0.0' },
    runs: [
      {
        project: 'installed',
        args: ['install', '--no-save', `${name}@1.0.0`],
        ...expected,
        // --no-save: package.json and package-lock.json stay as they are even when it installs.
        writes: expected.exit === 0 ? new RegExp(`^node_modules/(${name}/|\\.package-lock\\.json$)`) : undefined,
      },
    ],
    async verify({ box }) {
      const problems: string[] = [];
      for (const dir of [box.root, box.dir, join(box.dir, 'node_modules')]) {
        if ((await readdir(dir).catch(() => [])).includes('escaped.txt')) problems.push(`escaped.txt written in ${dir}`);
      }
      const folder = join(box.dir, 'node_modules', name);
      const files = await snapshot(folder).catch(() => ({}));
      for (const [file, hash] of Object.entries(files)) {
        if (hash.startsWith('symlink:')) problems.push(`node_modules/${name}/${file} is a ${hash}`);
        else if ((await stat(join(folder, file))).nlink !== 1) problems.push(`node_modules/${name}/${file} is a hard link`);
      }
      return problems.join('; ') || undefined;
    },
  };
}

export const FAULT_CASES: FaultCase[] = [
  packumentFault('packument 5xx', 'error500', 'E500'),
  packumentFault('packument connection reset', 'reset', 'ECONNRESET'),
  packumentFault('packument stall (fetch-timeout)', 'timeout', 'FETCH_ERROR'),
  packumentFault('packument malformed JSON', 'badjson', 'FETCH_ERROR'),
  packumentFault('packument truncated', 'truncated', 'ECONNRESET'),
  tarballFault('tarball 5xx', 'error500'),
  tarballFault('tarball connection reset', 'reset'),
  tarballFault('tarball stall (fetch-timeout)', 'timeout'),
  tarballFault('tarball truncated', 'truncated'),
  tarballFault('tarball wrong integrity', 'integrity'),
  {
    // cut-short 1.0.1: its tar ends inside data.txt, its integrity matches; read to the end before reify.
    name: 'tar cut short in a whole gzip',
    dependencies: { 'cut-short': '1.0.0' },
    runs: [{ project: 'installed', args: ['install', 'cut-short@1.0.1'], exit: 1, code: 'manifest-confusion/tarball-unreadable' }],
  },
  {
    // The same let through to reify: it fails, and neither a new folder nor the old version is left changed.
    name: 'tar cut short, manifest-confusion: warn',
    dependencies: { 'cut-short': '1.0.0' },
    policy: { rules: { 'manifest-confusion': 'warn' } },
    runs: [
      // Under load npm may first report the half-unpacked folder's missing package.json (EEXTRACT, seen in a CI run).
      { project: 'fresh', args: ['install', 'cut-short@1.0.1'], exit: 3, code: 'TAR_BAD_ARCHIVE|EEXTRACT' },
      { project: 'installed', args: ['install', 'cut-short@1.0.1'], exit: 3, code: 'TAR_BAD_ARCHIVE|EEXTRACT' },
    ],
  },
  hostileCase('traversal', { exit: 3, code: 'EEXTRACT' }),
  hostileCase('symlink', { exit: 0 }),
  hostileCase('hardlink', { exit: 0 }),
  {
    name: 'huge packument (50 MB)',
    dependencies: WITH_DEP,
    failure: { package: 'tiny-dep', kind: 'huge', target: 'packument' },
    // fetch-timeout covers the whole body: 50 MB on a busy machine takes more than a second.
    fetchTimeoutMs: 60_000,
    runs: [
      { project: 'fresh', args: ['check'], exit: 0 },
      { project: 'fresh', args: ['install'], exit: 0, writes: /./ },
      { project: 'installed', args: ['check', '--lockfile'], exit: 0 },
    ],
  },
  {
    name: 'tarball on a foreign host',
    dependencies: WITH_DEP,
    failure: { package: 'tiny-dep', kind: 'foreign-tarball', target: 'packument' },
    runs: [
      { project: 'fresh', args: ['install'], exit: 1, code: 'registries/not-allowed-registry' },
      { project: 'npm-lockfile', args: ['ci'], exit: 1, code: 'registries/lockfile-resolved-elsewhere' },
      { project: 'npm-lockfile', args: ['check', '--lockfile'], exit: 1, code: 'registries/lockfile-resolved-elsewhere' },
    ],
    verify({ harness }) {
      const foreign = harness.registry.requests.filter((request) => request.foreign && request.kind === 'tarball');
      return foreign.length > 0 ? `fetched from the foreign host: ${foreign.map((request) => request.path).join(', ')}` : undefined;
    },
  },
  {
    name: 'identity confusion (lockfile entry claims another name)',
    dependencies: { 'fresh-pkg': '^1.0.0' },
    runs: [
      { project: 'identity-lockfile', args: ['check', '--lockfile'], exit: 1, code: 'package-identity/name-mismatch' },
      { project: 'identity-lockfile', args: ['ci'], exit: 1, code: 'package-identity/name-mismatch' },
    ],
  },
  {
    name: 'hidden install script (manifest confusion)',
    dependencies: { 'hidden-postinstall': '1.0.0' },
    // Allowed by name, so only the tarball check stands between it and running.
    policy: { scripts: { allow: { 'hidden-postinstall': true } } },
    runner: 'binary',
    runs: [
      { project: 'fresh', args: ['install'], exit: 1, code: 'manifest-confusion/scripts-differ' },
      { project: 'npm-lockfile', args: ['ci'], exit: 1, code: 'manifest-confusion/scripts-differ' },
    ],
    verify: ({ box }) => (box.markerExists('hidden-postinstall-ran.txt') ? 'the hidden postinstall ran' : undefined),
  },
];

/** The fixture registry every case runs against, with the packages only these cases use. */
export async function startFaultHarness(options: HarnessOptions = {}): Promise<Harness> {
  const harness = await startHarness(['tiny-dep', 'with-dep', 'left-pad', 'fresh-pkg', 'left-pad-lite', 'hidden-postinstall'], options);
  // The tarball the identity-confused lockfile entry really installs: two hours old.
  await harness.registry.publish('fresh-pkg', { version: '1.0.1', publishedAt: '-2h' });
  await harness.registry.publish('cut-short', { version: '1.0.0', publishedAt: '-30d' });
  await harness.registry.publish('cut-short', { version: '1.0.1', publishedAt: '-30d', rawTarball: cutShortTarball('cut-short', '1.0.1') });
  for (const kind of HOSTILE) {
    const name = `hostile-${kind}`;
    await harness.registry.publish(name, { version: '1.0.0', publishedAt: '-30d', rawTarball: hostileTarball(name, '1.0.0', HOSTILE_ENTRIES[kind]) });
  }
  return harness;
}

async function identityLockfile(registry: FixtureRegistry) {
  const bytes = await registry.tarball('fresh-pkg', '1.0.1');
  if (!bytes) throw new Error('fault cases: no fresh-pkg@1.0.1');
  return {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { 'fresh-pkg': '^1.0.0' } },
      'node_modules/fresh-pkg': {
        name: 'left-pad-lite',
        version: '1.0.0',
        resolved: `${registry.url}fresh-pkg/-/fresh-pkg-1.0.1.tgz`,
        integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      },
    },
  };
}

const installedTemplates = new Map<string, Promise<Sandbox>>();

/** A project installed by safe-npm with no fault on, made once per file set and copied for each run. */
function installedTemplate(harness: Harness, files: Record<string, string | object>): Promise<Sandbox> {
  const key = JSON.stringify(files);
  let template = installedTemplates.get(key);
  if (!template) {
    template = (async () => {
      const box = await sandbox(harness, files);
      const result = await box.safeNpm(['install']);
      if (result.code !== 0) throw new Error(`fault cases: the installed project could not be made\n${explain(result)}`);
      return box;
    })();
    installedTemplates.set(key, template);
  }
  return template;
}

/** Prepares a run's project. */
async function projectFor(harness: Harness, testCase: FaultCase, state: ProjectState): Promise<Sandbox> {
  const files: Record<string, string | object> = { 'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: testCase.dependencies } };
  if (testCase.policy) files['.safe-npmrc.json'] = testCase.policy;
  if (state === 'identity-lockfile') files['package-lock.json'] = await identityLockfile(harness.registry);
  const box = await sandbox(harness, state === 'installed' ? {} : files, {
    npmrc: [`fetch-timeout=${testCase.fetchTimeoutMs ?? FETCH_TIMEOUT_MS}`, 'fetch-retries=0'],
    runner: testCase.runner,
  });
  if (state === 'installed') {
    const template = await installedTemplate(harness, files);
    await cp(template.dir, box.dir, { recursive: true, verbatimSymlinks: true });
  }
  if (state === 'npm-lockfile') {
    const made = await box.npm(['install', '--package-lock-only', '--ignore-scripts']);
    if (made.code !== 0) throw new Error(`fault cases: npm could not write the lockfile\n${explain(made)}`);
  }
  return box;
}

export interface FaultOutcome {
  case: string;
  command: string;
  exit: number;
  /** The first line that says what happened: the `safe-npm: error` line, else the expected (or first blocking) finding. */
  message: string;
  /** Nothing changed in the project but what the run may write. */
  untouched: boolean;
  /** Everything that differs from the table, empty when the run behaved as expected. */
  problems: string[];
  result: RunResult;
}

const STACK_LINE = /^\s+at /m;

function summary(result: RunResult, report: any, code: string | undefined): string {
  const errorLine = result.stderr.split('\n').find((line) => line.startsWith('safe-npm: error') || line.startsWith('safe-npm: internal error'));
  if (errorLine) return errorLine.trim();
  const findings: any[] = report?.findings ?? [];
  const finding = (code ? findings.find((f) => f.code === code) : undefined) ?? findings.find((f) => f.severity === 'block') ?? findings[0];
  if (finding) return `${finding.code}: ${String(finding.message).split('\n')[0]}`.trim();
  if (report?.result) return `${report.result}${report.install ? ` (added ${report.install.added})` : ''}`;
  return (result.stderr.split('\n').find((line) => line.trim() !== '') ?? '').trim();
}

/** Runs one row of the table in a fresh project with an empty npm cache (so every fault is met), and says how it went. */
export async function runFaultRun(harness: Harness, testCase: FaultCase, run: FaultRun): Promise<FaultOutcome> {
  const { registry } = harness;
  const failOn = () => testCase.failure && registry.setFailure(testCase.failure.package, testCase.failure.kind, testCase.failure.target);
  try {
    // An npm-lockfile is written with the fault on; every other project is made before it.
    if (run.project === 'npm-lockfile') failOn();
    const box = await projectFor(harness, testCase, run.project);
    failOn();
    const before = await snapshot(box.dir);
    registry.requests.length = 0;
    const result = await box.safeNpmJson(run.args, { npm_config_cache: await harness.tempDir('safe-npm-cache-') });
    const diff = diffSnapshots(before, await snapshot(box.dir));
    const changed = [...diff.added, ...diff.removed, ...diff.changed];
    const unexpected = changed.filter((path) => !run.writes?.test(path));
    const problems: string[] = [];
    if (result.code !== run.exit) problems.push(`exit ${result.code}, expected ${run.exit}`);
    if (STACK_LINE.test(result.stderr) || STACK_LINE.test(result.stdout)) problems.push('a stack trace was printed');
    if (/internal error/.test(result.stderr)) problems.push('an internal error');
    const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('safe-npm: error '));
    // A finding code is `rule/message`; an error code has no slash.
    if (run.code && !run.code.includes('/')) {
      if (errorLines.length !== 1 || !run.code.split('|').some((code) => errorLines[0].startsWith(`safe-npm: error ${code}: `))) {
        problems.push(`expected one line "safe-npm: error ${run.code}: …", got ${JSON.stringify(errorLines)}`);
      }
    } else {
      if (errorLines.length > 0) problems.push(`unexpected error: ${errorLines[0]}`);
      if (run.code && findingsOf(result.report, run.code).length === 0) {
        problems.push(`no finding ${run.code}, got [${(result.report?.findings ?? []).map((f: any) => f.code).join(', ')}]`);
      }
    }
    if (unexpected.length > 0) problems.push(`files changed: ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', …' : ''}`);
    const verified = await testCase.verify?.({ harness, box, result });
    if (verified) problems.push(verified);
    return {
      case: testCase.name,
      command: `${run.project === 'fresh' ? '' : `(${run.project}) `}${['safe-npm', ...run.args].join(' ')}`,
      exit: result.code,
      message: summary(result, result.report, run.code),
      untouched: changed.length === 0,
      problems,
      result,
    };
  } finally {
    if (testCase.failure) registry.setFailure(testCase.failure.package, null);
  }
}
