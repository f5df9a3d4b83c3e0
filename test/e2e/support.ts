// Shared plumbing for the end-to-end tests: one fixture registry per test
// file, a fresh HOME + npm cache per test (isolatedEnv), temp projects, and
// runners for the real safe-npm binary and the real npm.

import { existsSync, readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { loadFixturePackages, startRegistry, type FixtureRegistry, type StartRegistryOptions } from '../helpers/fixture-registry.js';
import { runNpm, runSafeNpm, runSafeNpmInProcess, type RunOptions, type RunResult } from '../helpers/run-cli.js';
import { isolatedEnv, makeProject, makeTempDir, readJson, removeDirs } from '../helpers/workspace.js';

/** The version `safe-npm --version` must print. */
export const SAFE_NPM_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/**
 * How a sandbox runs safe-npm: 'binary' (default) starts bin/safe-npm.js as a
 * child process; 'in-process' calls the built CLI's main() in the test's own
 * process with the sandbox's cwd and environment (runSafeNpmInProcess: no Node
 * start and no imports per run). Use 'in-process' where the process boundary
 * is not what the test is about: not for stdin, output of commands handed to
 * npm, install scripts that must run (a script gets the environment of the
 * process that runs it; one that runs by mistake in-process fails the run),
 * policy code that must never run, secrets on the real stderr.
 * SAFE_NPM_E2E_RUNNER=binary runs every sandbox through the binary, to show
 * that a file passes both ways.
 */
export type SafeNpmRunner = 'binary' | 'in-process';

export interface HarnessOptions extends StartRegistryOptions {
  /** The runner of the harness's sandboxes unless a sandbox says otherwise; default 'binary'. */
  runner?: SafeNpmRunner;
}

export interface Harness {
  registry: FixtureRegistry;
  /** The runner sandboxes get by default ('binary' when not set). */
  runner?: SafeNpmRunner;
  /** Every temp dir made through the harness, removed by close(). */
  dirs: string[];
  /** A fresh temp dir, removed by close(). */
  tempDir(prefix?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(names: string[], options: HarnessOptions = {}): Promise<Harness> {
  const { runner = 'binary', ...registryOptions } = options;
  const registry = await startRegistry(loadFixturePackages(names), registryOptions);
  const dirs: string[] = [];
  return {
    registry,
    runner,
    dirs,
    async tempDir(prefix = 'safe-npm-e2e-') {
      const dir = await makeTempDir(prefix);
      dirs.push(dir);
      return dir;
    },
    async close() {
      await registry.close();
      if (!process.env.SAFE_NPM_E2E_KEEP) await removeDirs(...dirs);
    },
  };
}

export interface Sandbox {
  /** The project directory. */
  dir: string;
  /** The temp dir the files were written to (the project's parent with projectSubdir). */
  root: string;
  /** A temp HOME with its own user .npmrc and npm cache. */
  home: string;
  /** Where marker files of install scripts go (SAFE_NPM_TEST_MARKER_DIR). */
  markers: string;
  env: Record<string, string>;
  /** `safe-npm ...args` in the project. */
  safeNpm(args: string[], extraEnv?: Record<string, string | undefined>): Promise<RunResult>;
  /** `safe-npm ...args --json`, with the JSON report parsed (null when stdout is not JSON). */
  safeNpmJson(args: string[], extraEnv?: Record<string, string | undefined>): Promise<RunResult & { report: any }>;
  /** The real npm in the project, same environment. */
  npm(args: string[]): Promise<RunResult>;
  markerExists(name: string): boolean;
}

export interface SandboxOptions {
  /** Extra lines for the user .npmrc. */
  npmrc?: string[];
  /** Extra environment variables. */
  extra?: Record<string, string | undefined>;
  /** The project is this sub-directory of the written files (e.g. 'app', so that 'lib/' is its sibling). */
  projectSubdir?: string;
  /** How safe-npm runs in this sandbox; default the harness's runner. */
  runner?: SafeNpmRunner;
}

/** The function that runs safe-npm for this runner (SAFE_NPM_E2E_RUNNER=binary overrides 'in-process'). */
export function safeNpmRunnerFor(runner: SafeNpmRunner): (args: string[], options: RunOptions) => Promise<RunResult> {
  return runner === 'in-process' && process.env.SAFE_NPM_E2E_RUNNER !== 'binary' ? runSafeNpmInProcess : runSafeNpm;
}

export async function sandbox(harness: Harness, files: Record<string, string | object>, options: SandboxOptions = {}): Promise<Sandbox> {
  const root = await makeProject(files);
  const dir = options.projectSubdir ? join(root, options.projectSubdir) : root;
  const home = await makeTempDir('safe-npm-home-');
  const markers = await makeTempDir('safe-npm-markers-');
  harness.dirs.push(root, home, markers);
  const env = isolatedEnv(harness.registry.url, home, {
    npmrc: options.npmrc,
    extra: { SAFE_NPM_TEST_MARKER_DIR: markers, ...options.extra },
  });
  const withEnv = (extraEnv?: Record<string, string | undefined>) => {
    if (!extraEnv) return env;
    const merged: Record<string, string> = { ...env };
    for (const [key, value] of Object.entries(extraEnv)) {
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    return merged;
  };
  const runner = options.runner ?? harness.runner ?? 'binary';
  const runSafeNpmHere = safeNpmRunnerFor(runner);
  const how = runSafeNpmHere === runSafeNpmInProcess ? ' (in-process)' : '';
  const timed = async (label: string, run: () => Promise<RunResult>): Promise<RunResult> => {
    const started = Date.now();
    const result = await run();
    // SAFE_NPM_E2E_TIMING=1 logs how long each child process took.
    if (process.env.SAFE_NPM_E2E_TIMING) console.error(`[e2e] ${label}: ${Date.now() - started}ms (exit ${result.code})`);
    return result;
  };
  const box: Sandbox = {
    dir,
    root,
    home,
    markers,
    env,
    safeNpm: (args, extraEnv) => timed(`safe-npm ${args.join(' ')}${how}`, () => runSafeNpmHere(args, { cwd: dir, env: withEnv(extraEnv) })),
    async safeNpmJson(args, extraEnv) {
      const full = args.includes('--json') ? args : [...args, '--json'];
      const result = await timed(`safe-npm ${full.join(' ')}${how}`, () => runSafeNpmHere(full, { cwd: dir, env: withEnv(extraEnv) }));
      let report: any;
      try {
        report = JSON.parse(result.stdout);
      } catch {
        report = null;
      }
      return { ...result, report };
    },
    npm: (args) => timed(`npm ${args.join(' ')}`, () => runNpm(args, { cwd: dir, env })),
    markerExists: (name) => existsSync(join(markers, name)),
  };
  return box;
}

/** `code`s of the findings of a JSON report. */
export function codes(report: any): string[] {
  return (report?.findings ?? []).map((finding: any) => finding.code);
}

/** Findings with this code (optionally for this package name). */
export function findingsOf(report: any, code: string, name?: string): any[] {
  return (report?.findings ?? []).filter((finding: any) => finding.code === code && (name === undefined || finding.package?.name === name));
}

/** A readable dump of a run for assertion messages. */
export function explain(result: RunResult): string {
  return `exit ${result.code}${result.timedOut ? ' (timed out)' : ''}\n--- stdout\n${result.stdout.slice(0, 4000)}\n--- stderr\n${result.stderr.slice(0, 4000)}`;
}

export function assertExit(result: RunResult, expected: number, what = ''): void {
  assert.is(result.code, expected, `${what ? `${what}: ` : ''}expected exit ${expected}\n${explain(result)}`);
}

/** Asserts a finding with `code` (for the package `name`) is in the report. */
export function assertFinding(result: RunResult & { report: any }, code: string, name?: string): any {
  assert.ok(result.report, `expected a JSON report on stdout\n${explain(result)}`);
  const found = findingsOf(result.report, code, name);
  assert.ok(found.length > 0, `expected a finding ${code}${name ? ` for ${name}` : ''}, got [${codes(result.report).join(', ')}]\n${explain(result)}`);
  return found[0];
}

export function assertNoFinding(result: RunResult & { report: any }, code: string, name?: string): void {
  assert.ok(result.report, `expected a JSON report on stdout\n${explain(result)}`);
  const found = findingsOf(result.report, code, name);
  assert.is(found.length, 0, `expected no finding ${code}${name ? ` for ${name}` : ''}, got [${codes(result.report).join(', ')}]\n${explain(result)}`);
}

/** name@version of every package in node_modules (nested ones too), read from their package.json. */
export async function installedPackages(projectDir: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  async function walk(modulesDir: string, prefix: string): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(modulesDir);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        for (const scoped of await readdir(join(modulesDir, entry))) {
          await visit(join(modulesDir, entry, scoped), `${prefix}node_modules/${entry}/${scoped}`);
        }
      } else {
        await visit(join(modulesDir, entry), `${prefix}node_modules/${entry}`);
      }
    }
  }
  async function visit(packageDir: string, location: string): Promise<void> {
    try {
      const manifest = await readJson(join(packageDir, 'package.json'));
      result.set(location, manifest.version);
    } catch {
      return;
    }
    await walk(join(packageDir, 'node_modules'), `${location}/`);
  }
  await walk(join(projectDir, 'node_modules'), '');
  return result;
}

/** location → version of package-lock.json's packages (root excluded, links excluded). */
export async function lockedPackages(projectDir: string): Promise<Map<string, string>> {
  const lock = await readJson(join(projectDir, 'package-lock.json'));
  const result = new Map<string, string>();
  for (const [location, entry] of Object.entries<any>(lock.packages ?? {})) {
    if (!location || entry.link) continue;
    result.set(location, entry.version);
  }
  return result;
}

export function sortedEntries(map: Map<string, string>): Array<[string, string]> {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Versions of `name` whose tarballs the registry served. */
export function fetchedTarballs(registry: FixtureRegistry, name?: string): string[] {
  return registry.requests
    .filter((request) => request.kind === 'tarball' && (name === undefined || request.name === name))
    .map((request) => {
      const file = request.path.split('/').pop() ?? '';
      const base = (request.name ?? '').split('/').pop() ?? '';
      return `${request.name}@${file.slice(base.length + 1, -'.tgz'.length)}`;
    });
}

export function packumentRequests(registry: FixtureRegistry, name: string): number {
  return registry.requests.filter((request) => request.kind === 'packument' && request.name === name).length;
}

export async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

export interface RecordingProxy {
  /** 'http://127.0.0.1:PORT' */
  url: string;
  /** Every request line received (CONNECT host:port, or absolute URLs of plain http requests). */
  requests: string[];
  /** npm environment variables that send every non-loopback request through this proxy. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A proxy that records and refuses every request: with its env, any attempt of
 * npm or safe-npm to reach a host other than the loopback fixture registry
 * shows up in `requests` instead of going to the network.
 */
export async function startRecordingProxy(): Promise<RecordingProxy> {
  const { createServer } = await import('node:http');
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('recording proxy: no network in tests\n');
  });
  server.on('connect', (req, socket) => {
    requests.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as import('node:net').AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    env: {
      npm_config_proxy: url,
      npm_config_https_proxy: url,
      HTTP_PROXY: url,
      HTTPS_PROXY: url,
      http_proxy: url,
      https_proxy: url,
      npm_config_noproxy: '127.0.0.1,localhost,::1',
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
