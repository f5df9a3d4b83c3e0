// Verdaccio as the organisation's private registry, on loopback, for
// end-to-end tests: a generated config.yaml in a temp dir (storage there,
// htpasswd auth with a user written by the test, uplinks only to a loopback
// fixture registry or none), started from node_modules/verdaccio's bin on a
// free port, with helpers to log in and publish packages through its API.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { create as createTar } from 'tar';
import { resolveTime } from './fixture-registry.js';

const require = createRequire(import.meta.url);
const VERDACCIO_BIN = join(dirname(require.resolve('verdaccio/package.json')), 'bin', 'verdaccio');
const FIXED_MTIME = new Date('1985-10-26T08:15:00.000Z');

/** A `packages:` entry of config.yaml. */
export interface PackageAccess {
  access: string;
  publish?: string;
  /** An uplink name; must be one of `uplinks`. */
  proxy?: string;
}

export interface StartVerdaccioOptions {
  /** Uplink name → URL. Only loopback URLs are accepted: nothing may leave the machine. */
  uplinks?: Record<string, string>;
  /** Package pattern → access, in the order Verdaccio matches them. */
  packages: Record<string, PackageAccess>;
  /** The `filters:` section (plugin id → its config), or a function of Verdaccio's URL giving it. */
  filters?: Record<string, unknown> | ((url: string) => Record<string, unknown>);
  /** Runs once the URL is known, before Verdaccio starts (to write files naming it). */
  beforeStart?: (url: string) => Promise<void>;
  /** A folder Verdaccio loads plugins from before node_modules. */
  pluginsDir?: string;
  /** Users for the htpasswd file: name → password. */
  users?: Record<string, string>;
  /** Extra environment for the Verdaccio process. */
  env?: Record<string, string>;
}

export interface Verdaccio {
  /** 'http://127.0.0.1:PORT/' */
  url: string;
  /** `//127.0.0.1:PORT/`, the prefix of npm's per-registry settings in .npmrc. */
  nerfDart: string;
  dir: string;
  /** Every line Verdaccio printed (JSON log lines). */
  logLines: string[];
  /** The JSON log entries, parsed. */
  logEntries(): any[];
  /** Milliseconds from spawn to the first answered ping. */
  startupMs: number;
  /** A token for `name`, from PUT /-/user/org.couchdb.user:<name> (what npm login does). */
  login(name: string, password: string): Promise<string>;
  /** Publishes one version through the registry API, as npm publish does. */
  publish(token: string, pkg: PublishedVersion): Promise<void>;
  /**
   * Rewrites the publish times Verdaccio recorded (ISO, or a relative age like '-200d'),
   * in its storage: private packages are older than the tests that publish them.
   */
  backdate(name: string, times: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface PublishedVersion {
  name: string;
  version: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  description?: string;
  tag?: string;
}

/** A free TCP port on 127.0.0.1 (closed again before Verdaccio takes it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** An htpasswd line Verdaccio's htpasswd plugin accepts ({SHA} = base64 of the SHA-1). */
export function htpasswdLine(name: string, password: string): string {
  return `${name}:{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}:autocreated ${FIXED_MTIME.toISOString()}`;
}

function yamlString(value: string): string {
  return JSON.stringify(value);
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

function configYaml(dir: string, port: number, url: string, options: StartVerdaccioOptions): string {
  const lines = [
    `storage: ${yamlString(join(dir, 'storage'))}`,
    ...(options.pluginsDir ? [`plugins: ${yamlString(options.pluginsDir)}`] : []),
    `listen: 127.0.0.1:${port}`,
    'auth:',
    '  htpasswd:',
    `    file: ${yamlString(join(dir, 'htpasswd'))}`,
    '    max_users: -1',
    'web:',
    '  enable: false',
    'server:',
    '  keepAliveTimeout: 5',
    'log: { type: stdout, format: json, level: info }',
  ];
  const uplinks = Object.entries(options.uplinks ?? {});
  lines.push(uplinks.length > 0 ? 'uplinks:' : 'uplinks: {}');
  for (const [name, url] of uplinks) {
    if (!isLoopback(url)) throw new Error(`verdaccio helper: uplink ${name} must be on loopback, got ${url}`);
    lines.push(`  ${name}:`, `    url: ${yamlString(url)}`, '    cache: false', '    max_fails: 100', '    timeout: 10s');
  }
  lines.push('packages:');
  for (const [pattern, access] of Object.entries(options.packages)) {
    if (access.proxy && !(options.uplinks ?? {})[access.proxy]) throw new Error(`verdaccio helper: ${pattern} proxies to an unknown uplink ${access.proxy}`);
    lines.push(`  ${yamlString(pattern)}:`, `    access: ${yamlString(access.access)}`, `    publish: ${yamlString(access.publish ?? '$authenticated')}`);
    if (access.proxy) lines.push(`    proxy: ${access.proxy}`);
  }
  const filters = typeof options.filters === 'function' ? options.filters(url) : options.filters;
  if (filters) {
    lines.push('filters:');
    for (const [id, config] of Object.entries(filters)) lines.push(`  ${yamlString(id)}: ${JSON.stringify(config)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The package.json of a private package: the tarball's, and the packument version's fields beside dist. */
function packageJsonOf(pkg: PublishedVersion) {
  return {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description ?? `Private package ${pkg.name}`,
    main: 'index.js',
    license: 'UNLICENSED',
    scripts: pkg.scripts ?? {},
    dependencies: pkg.dependencies ?? {},
  };
}

async function buildTarball(pkg: PublishedVersion): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'safe-npm-verdaccio-tgz-'));
  try {
    const manifest = packageJsonOf(pkg);
    await mkdir(join(dir, 'package'), { recursive: true });
    await writeFile(join(dir, 'package', 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(dir, 'package', 'index.js'), `module.exports = ${JSON.stringify({ name: pkg.name, version: pkg.version })};\n`);
    const out = join(dir, 'out.tgz');
    await createTar({ gzip: true, cwd: dir, portable: true, mtime: FIXED_MTIME, file: out }, ['package/package.json', 'package/index.js']);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function waitForPing(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}:\n${output()}`);
    try {
      const answer = await fetch(new URL('-/ping', url));
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`verdaccio did not answer within ${timeoutMs} ms:\n${output()}`);
}

export async function startVerdaccio(options: StartVerdaccioOptions): Promise<Verdaccio> {
  const dir = await mkdtemp(join(tmpdir(), 'safe-npm-verdaccio-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const users = options.users ?? {};
  await writeFile(join(dir, 'htpasswd'), Object.entries(users).map(([name, password]) => `${htpasswdLine(name, password)}\n`).join(''));
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, configYaml(dir, port, url, options));
  await options.beforeStart?.(url);

  const started = Date.now();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // No proxy or npm setting of the person running the tests reaches Verdaccio.
    if (value === undefined || /^npm_/i.test(key) || /^(https?|all)_proxy$/i.test(key)) continue;
    env[key] = value;
  }
  const child = spawn(process.execPath, [VERDACCIO_BIN, '--config', configFile], {
    cwd: dir,
    env: { ...env, NO_PROXY: '127.0.0.1,localhost', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logLines: string[] = [];
  let pending = '';
  const collect = (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    logLines.push(...lines.filter(Boolean));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPing(url, child, () => logLines.join('\n'), 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const startupMs = Date.now() - started;

  async function api(method: string, path: string, body: unknown, authorization?: string): Promise<any> {
    const answer = await fetch(new URL(path, url), {
      method,
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`verdaccio ${method} ${path}: ${answer.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : {};
  }

  return {
    url,
    nerfDart: `//127.0.0.1:${port}/`,
    dir,
    logLines,
    logEntries() {
      return logLines.flatMap((line) => {
        try {
          return [JSON.parse(line)];
        } catch {
          return [];
        }
      });
    },
    startupMs,
    async login(name, password) {
      // Like npm login: the user exists (htpasswd), so Verdaccio authenticates the basic credentials and issues a token.
      const basic = `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;
      const answer = await api('PUT', `-/user/org.couchdb.user:${encodeURIComponent(name)}`, { name, password, type: 'user' }, basic);
      if (typeof answer.token !== 'string') throw new Error(`verdaccio login of ${name} gave no token`);
      return answer.token;
    },
    async publish(token, pkg) {
      const tarball = await buildTarball(pkg);
      const file = `${pkg.name.split('/').pop()}-${pkg.version}.tgz`;
      const shasum = createHash('sha1').update(tarball).digest('hex');
      const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
      const manifest = {
        ...packageJsonOf(pkg),
        _id: `${pkg.name}@${pkg.version}`,
        dist: { shasum, integrity, tarball: new URL(`${pkg.name}/-/${file}`, url).href },
      };
      await api(
        'PUT',
        pkg.name.replace('/', '%2f'),
        {
          _id: pkg.name,
          name: pkg.name,
          'dist-tags': { [pkg.tag ?? 'latest']: pkg.version },
          versions: { [pkg.version]: manifest },
          _attachments: { [file]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length } },
        },
        `Bearer ${token}`,
      );
    },
    async backdate(name, times) {
      const file = join(dir, 'storage', ...name.split('/'), 'package.json');
      const stored = JSON.parse(await readFile(file, 'utf8'));
      for (const [version, when] of Object.entries(times)) {
        if (!stored.versions?.[version]) throw new Error(`verdaccio helper: no ${name}@${version} to backdate`);
        stored.time[version] = resolveTime(when);
      }
      const stamps = Object.entries<string>(stored.time).filter(([key]) => key !== 'created' && key !== 'modified').map(([, when]) => Date.parse(when));
      stored.time.created = new Date(Math.min(...stamps)).toISOString();
      stored.time.modified = new Date(Math.max(...stamps)).toISOString();
      await writeFile(file, JSON.stringify(stored, null, 2));
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      if (!process.env.SAFE_NPM_E2E_KEEP) await rm(dir, { recursive: true, force: true });
    },
  };
}
