// Isolated temporary projects and child-process environments for end-to-end
// tests: nothing from the npm configuration of the person running the tests
// may leak into what npm or safe-npm sees.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';

/** A fresh empty directory under the OS temp dir. */
export async function makeTempDir(prefix = 'safe-npm-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

const removedAtExit: string[] = [];

/** A fresh empty directory under the OS temp dir, made at once and removed when the test process exits (for suites that make many). */
export function tempDirRemovedAtExit(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (removedAtExit.length === 0) {
    process.on('exit', () => {
      for (const folder of removedAtExit) rmSync(folder, { recursive: true, force: true });
    });
  }
  removedAtExit.push(dir);
  return dir;
}

/**
 * Writes `files` (path relative to the project → content; objects are written
 * as JSON with 2-space indent and a final newline) into a fresh temp dir and
 * returns its path.
 */
export async function makeProject(files: Record<string, string | object> = {}): Promise<string> {
  const dir = await makeTempDir('safe-npm-project-');
  await writeFiles(dir, files);
  return dir;
}

/** Writes more files into an existing directory, same rules as makeProject. */
export async function writeFiles(dir: string, files: Record<string, string | object>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    const n = normalize(file);
    if (isAbsolute(n) || n === '..' || n.startsWith(`..${sep}`)) {
      throw new Error(`writeFiles: ${file} is outside the project`);
    }
    const path = join(dir, n);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
}

/** Removes directories made by these helpers; never throws on missing ones. */
export async function removeDirs(...dirs: Array<string | undefined>): Promise<void> {
  await Promise.all(dirs.filter((d): d is string => !!d).map((d) => rm(d, { recursive: true, force: true })));
}

export async function readJson<T = any>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/**
 * path (relative, '/'-separated) → sha256 hex of every file under `dir`,
 * node_modules included, sorted by path. Symbolic links are not followed:
 * they are recorded as 'symlink:<target>'.
 */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  async function walk(current: string): Promise<void> {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(current, entry.name);
      const key = relative(dir, path).split(sep).join('/');
      if (entry.isSymbolicLink()) {
        result[key] = `symlink:${await readlink(path)}`;
      } else if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile()) {
        result[key] = createHash('sha256').update(await readFile(path)).digest('hex');
      }
    }
  }
  await walk(dir);
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface SnapshotDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

/** What differs between two snapshots; all three lists empty means byte-identical. */
export function diffSnapshots(before: Record<string, string>, after: Record<string, string>): SnapshotDiff {
  const added = Object.keys(after).filter((k) => !(k in before));
  const removed = Object.keys(before).filter((k) => !(k in after));
  const changed = Object.keys(after).filter((k) => k in before && before[k] !== after[k]);
  return { added, removed, changed };
}

export interface IsolatedEnvOptions {
  /** Extra lines for the user .npmrc (e.g. '@acme:registry=http://...'). */
  npmrc?: string[];
  /** Variables set last, overriding everything (undefined removes one). */
  extra?: Record<string, string | undefined>;
}

const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'];

/**
 * An environment for child processes in which npm configuration cannot leak
 * from the person running the tests: its own HOME with a user .npmrc that
 * names the registry, an empty global config, a cache in HOME, audit, fund
 * and the update notifier off, fetch retries off (so an error 500 fails fast;
 * override through `extra`), and every inherited npm_* / NPM_*, SAFE_NPM_*,
 * proxy, INIT_CWD and NODE_ENV variable removed. PATH is kept.
 * Creates `home` (and the files in it) when missing.
 */
export function isolatedEnv(
  registryUrl: string,
  home: string,
  options: IsolatedEnvOptions = {},
): Record<string, string> {
  mkdirSync(home, { recursive: true });
  const userconfig = join(home, '.npmrc');
  const globalconfig = join(home, '.npmrc-global');
  const cache = join(home, '.npm');
  writeFileSync(userconfig, [`registry=${registryUrl}`, ...(options.npmrc ?? [])].join('\n') + '\n');
  writeFileSync(globalconfig, '');

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^npm_/i.test(key) || /^safe_npm_/i.test(key)) continue;
    if (PROXY_VARIABLES.includes(key) || key === 'INIT_CWD' || key === 'NODE_ENV') continue;
    env[key] = value;
  }
  Object.assign(env, {
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    NO_PROXY: '127.0.0.1,localhost,::1',
    no_proxy: '127.0.0.1,localhost,::1',
    npm_config_userconfig: userconfig,
    npm_config_globalconfig: globalconfig,
    npm_config_cache: cache,
    npm_config_registry: registryUrl,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_fetch_retries: '0',
  });
  for (const [key, value] of Object.entries(options.extra ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
