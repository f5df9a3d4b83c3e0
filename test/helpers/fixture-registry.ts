// A fixture npm registry of the project's own: a real node:http server on
// 127.0.0.1 serving packuments (full and abbreviated, chosen by Accept, as the
// public registry does) and real gzipped tarballs, so end-to-end tests can run
// the real npm and the real safe-npm binary without touching the internet.

import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { create as createTar } from 'tar';
import { gunzipSync, gzipSync } from 'node:zlib';

export type DependencyMap = Record<string, string>;

export interface FixtureVersion {
  version: string;
  /** ISO time, or a relative age such as '-30d', '-2h' (see resolveTime). */
  publishedAt: string;
  dependencies?: DependencyMap;
  optionalDependencies?: DependencyMap;
  peerDependencies?: DependencyMap;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  scripts?: Record<string, string>;
  /** Extra files in the tarball, relative to package/ (e.g. 'index.js', 'binding.gyp', 'install.js'). */
  files?: Record<string, string>;
  /** `_npmUser.name`; default 'alice'. */
  publisher?: string;
  deprecated?: string;
  /** Adds `dist.attestations` with an SLSA v1 provenance predicate. */
  provenance?: boolean;
  /** Adds `_npmUser.trustedPublisher` (GitHub OIDC). */
  trustedPublisher?: boolean;
  /** A string is normalised to `{ <unscoped name>: path }`; missing targets get a stub file. */
  bin?: string | Record<string, string>;
  engines?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  /** Any further package.json fields (bundleDependencies, repository, devDependencies, ...). */
  manifest?: Record<string, unknown>;
  /**
   * The registry signature in `dist.signatures`, made with the registry's key
   * (served at `/-/npm/v1/keys`) over `${name}@${version}:${integrity}` as the
   * public registry does: 'valid' (default), 'wrong' (a well-formed signature
   * by the same key over other data, so it never verifies) or 'none'.
   */
  signature?: 'valid' | 'wrong' | 'none';
  /**
   * The name this version's manifest in the packument claims, when not the
   * package's own (manifest confusion); the tarball and its URL stay the package's.
   */
  manifestName?: string;
  /**
   * The tarball's bytes as they are, for archives a packer never makes (see
   * test/helpers/raw-tarball.ts); `files`, `scripts` and the manifest fields
   * then only shape the packument.
   */
  rawTarball?: Uint8Array;
  /**
   * Manifest confusion: fields of the packument's version entry that differ
   * from the tarball's package.json (applied last; null removes a field), e.g.
   * `{ "scripts": {}, "hasInstallScript": null }` hides a postinstall.
   */
  packumentOverrides?: Record<string, unknown>;
}

export interface FixturePackage {
  name: string;
  versions: FixtureVersion[];
  /** `latest` defaults to the highest non-prerelease version (highest overall if all are prereleases). */
  distTags?: Record<string, string>;
  /** Packument `time.modified`; ISO or relative age. Defaults to the newest publish time. */
  modified?: string;
  /** Packument-level maintainers; default: every publisher of the package. */
  maintainers?: string[];
}

/**
 * How a request fails (see FAILURES): 'error500', 'error405' (a mirror without
 * the endpoint), 'badjson' (malformed JSON) and 'timeout' (never answered)
 * answer in place of the registry; 'reset' (TCP reset before any answer) and
 * 'truncated' (half the body, then the connection closes) break the
 * connection; 'integrity' (a tarball whose bytes are not the ones the
 * packument's integrity names, its content unchanged), 'huge' (a packument
 * padded to HUGE_PACKUMENT_BYTES) and 'foreign-tarball' (every `dist.tarball`
 * on `foreignUrl`, another loopback port that serves the same files) are
 * answers that are wrong.
 */
export type FailureKind = 'error500' | 'badjson' | 'timeout' | 'error405' | 'reset' | 'truncated' | 'integrity' | 'huge' | 'foreign-tarball';
/** Which requests of a package a failure applies to. */
export type FailureTarget = 'all' | 'packument' | 'tarball';

export interface RegistryRequest {
  method: string;
  /** The request body as text (gunzipped), when it had one. */
  body?: string;
  /** The raw request URL (path and query, still percent-encoded). */
  url: string;
  /** The decoded path without query, e.g. '/@acme/internal'. */
  path: string;
  accept: string;
  kind: 'packument' | 'manifest' | 'tarball' | 'ping' | 'advisories' | 'keys' | 'other';
  /** The package name the request was about, when it was about one. */
  name?: string;
  /** Received on `foreignUrl` rather than `url`. */
  foreign?: boolean;
}

export interface StartRegistryOptions {
  /** Port to listen on; default 0 (random). */
  port?: number;
  /** Reference time for relative ages; default Date.now() at the call. */
  now?: number;
  /** Delay every response by this many milliseconds. */
  delayMs?: number;
  /** What the bulk advisory endpoint knows (see FixtureRegistry.setAdvisories); default: nothing. */
  advisories?: BulkAdvisories;
}

/** One advisory as `POST /-/npm/v1/security/advisories/bulk` answers it. */
export interface BulkAdvisoryFixture {
  id: number | string;
  title: string;
  severity?: 'low' | 'moderate' | 'high' | 'critical' | string;
  /** A semver range, like `*`, `>=0.0.0` or `3.3.6`. */
  vulnerable_versions: string;
  cwe?: string[] | string;
  url?: string;
  [field: string]: unknown;
}

/** Package name → its advisories. */
export type BulkAdvisories = Record<string, BulkAdvisoryFixture[]>;

/** The registry's signing key, as `/-/npm/v1/keys` serves it. */
export interface RegistrySigningKey {
  /** `SHA256:<base64 of the sha256 of the DER public key>`, like the public registry's. */
  keyid: string;
  keytype: 'ecdsa-sha2-nistp256';
  scheme: 'ecdsa-sha2-nistp256';
  /** Base64 of the DER SubjectPublicKeyInfo (what the keys endpoint serves). */
  key: string;
  /** The same key as PEM. */
  pem: string;
}

export interface FixtureRegistry {
  /** 'http://127.0.0.1:PORT/' with a trailing slash. */
  url: string;
  /**
   * Another loopback origin ('http://127.0.0.1:OTHER/') answering exactly as
   * `url` does: the host a 'foreign-tarball' failure points tarballs at, so
   * only a guard can tell them apart. Its requests are marked `foreign`.
   */
  foreignUrl: string;
  close(): Promise<void>;
  /** Adds (or, with the same version, replaces) a version at run time; the tarball is rebuilt. */
  publish(name: string, version: FixtureVersion, options?: { tag?: string }): Promise<void>;
  setDistTag(name: string, tag: string, version: string): void;
  /** Every request received, in order. Clear it with `requests.length = 0`. */
  requests: RegistryRequest[];
  setFailure(name: string, kind: FailureKind | null, target?: FailureTarget): void;
  /** The packument document the server would send, for in-process assertions. */
  packument(name: string, options?: { abbreviated?: boolean }): Promise<Record<string, any> | undefined>;
  /** The tarball bytes of name@version. */
  tarball(name: string, version: string): Promise<Buffer | undefined>;
  /**
   * Calls `listener` after each response has been sent (its last byte handed
   * to the socket), with the request it answered; e.g. to publish a version
   * right after a packument went out. Returns a function that removes it.
   */
  onResponse(listener: ResponseListener): () => void;
  /**
   * Sets what the bulk advisory endpoint knows (null: nothing). Like the
   * public registry it answers only for the names in the request body,
   * whatever their versions (the client matches `vulnerable_versions`).
   */
  setAdvisories(advisories: BulkAdvisories | null): void;
  /** Makes the bulk advisory endpoint fail ('error500', 'badjson', 'timeout', 'error405' as a registry without it); null restores it. */
  setAdvisoriesFailure(kind: FailureKind | null): void;
  /** The parsed bodies of the bulk advisory requests received, in order. Clear it with `length = 0`. */
  advisoryRequests: Array<Record<string, string[]>>;
  /** The ECDSA P-256 key (made at start) that signs every version and is served at `/-/npm/v1/keys`. */
  signingKey: RegistrySigningKey;
}

export type ResponseListener = (request: RegistryRequest) => void | Promise<void>;

const ABBREVIATED_TYPE = 'application/vnd.npm.install-v1+json';
const FIXED_MTIME = new Date('1985-10-26T08:15:00.000Z');
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];
// The fields the public registry keeps in an abbreviated ("corgi") version.
const ABBREVIATED_VERSION_FIELDS = [
  'name',
  'version',
  'deprecated',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'acceptDependencies',
  'bin',
  'directories',
  'engines',
  'os',
  'cpu',
  'funding',
  'license',
  '_hasShrinkwrap',
  'hasInstallScript',
  'dist',
];

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/**
 * Turns '-30d', '-2h', '-15m', '-10s', '-1w', '-1y' (past; a bare '30d' is
 * also an age in the past) or '+1d' (future) into an ISO time relative to
 * `now`; an ISO time passes through unchanged.
 */
export function resolveTime(value: string, now: number = Date.now()): string {
  const match = /^([+-])?(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/.exec(value.trim());
  if (match) {
    const sign = match[1] === '+' ? 1 : -1;
    return new Date(now + sign * Number(match[2]) * UNITS[match[3]]).toISOString();
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new Error(`fixture registry: not a time or relative age: ${JSON.stringify(value)}`);
  }
  return new Date(parsed).toISOString();
}

const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/registry/', import.meta.url));

/**
 * Reads the fixture packages in test/fixtures/registry/ (one JSON file per
 * package, found by its `name` field) and turns relative ages into ISO times.
 * Without `names` every fixture package is returned.
 */
/** `folder`: a sub-folder of the fixtures (e.g. 'incidents', the rebuilt shapes of real takeovers, under their real names). */
export function loadFixturePackages(names?: string[], now: number = Date.now(), folder = ''): FixturePackage[] {
  const byName = new Map<string, FixturePackage>();
  const dir = join(FIXTURES_DIR, folder);
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue;
    const pkg = JSON.parse(readFileSync(join(dir, file), 'utf8')) as FixturePackage;
    if (byName.has(pkg.name)) throw new Error(`fixture registry: ${pkg.name} defined twice (${file})`);
    byName.set(pkg.name, pkg);
  }
  const wanted = names ?? [...byName.keys()];
  return wanted.map((name) => {
    const pkg = byName.get(name);
    if (!pkg) throw new Error(`fixture registry: no fixture package named ${name} in ${dir}`);
    return resolvePackageTimes(structuredClone(pkg), now);
  });
}

function resolvePackageTimes(pkg: FixturePackage, now: number): FixturePackage {
  return {
    ...pkg,
    modified: pkg.modified === undefined ? undefined : resolveTime(pkg.modified, now),
    versions: pkg.versions.map((v) => ({ ...v, publishedAt: resolveTime(v.publishedAt, now) })),
  };
}

interface BuiltTarball {
  bytes: Buffer;
  shasum: string;
  integrity: string;
  fileCount: number;
  unpackedSize: number;
}

interface PackageState {
  name: string;
  versions: Map<string, FixtureVersion>;
  explicitTags: Record<string, string>;
  modified?: string;
  maintainers?: string[];
}

interface Failure {
  kind: FailureKind;
  target: FailureTarget;
}

function unscopedName(name: string): string {
  return name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
}

function person(name: string): { name: string; email: string } {
  return { name, email: `${name.replace(/[^a-zA-Z0-9._-]/g, '-').toLowerCase()}@example.com` };
}

function normaliseBin(name: string, bin: FixtureVersion['bin']): Record<string, string> | undefined {
  if (bin === undefined) return undefined;
  if (typeof bin === 'string') return { [unscopedName(name)]: bin };
  return bin;
}

function hasInstallScript(version: FixtureVersion): boolean {
  const scripts = version.scripts ?? {};
  return INSTALL_SCRIPTS.some((s) => typeof scripts[s] === 'string') || 'binding.gyp' in (version.files ?? {});
}

function sortVersions(versions: Iterable<string>): string[] {
  return [...versions].sort(semver.compare);
}

/** The package.json as the author wrote it: what goes into the tarball. */
function authoredManifest(name: string, version: FixtureVersion): Record<string, unknown> {
  const manifest: Record<string, unknown> = {
    name,
    version: version.version,
    description: `Fixture package ${name}`,
    main: 'index.js',
    license: 'MIT',
    scripts: version.scripts ?? {},
    dependencies: version.dependencies ?? {},
  };
  if (version.optionalDependencies) manifest.optionalDependencies = version.optionalDependencies;
  if (version.peerDependencies) manifest.peerDependencies = version.peerDependencies;
  if (version.peerDependenciesMeta) manifest.peerDependenciesMeta = version.peerDependenciesMeta;
  const bin = normaliseBin(name, version.bin);
  if (bin) manifest.bin = bin;
  if (version.engines) manifest.engines = version.engines;
  if (version.os) manifest.os = version.os;
  if (version.cpu) manifest.cpu = version.cpu;
  return { ...manifest, ...(version.manifest ?? {}) };
}

function tarballFiles(name: string, version: FixtureVersion): Record<string, string> {
  const manifest = authoredManifest(name, version);
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'README.md': `# ${name}\n\nFixture package for safe-npm tests.\n`,
  };
  const main = typeof manifest.main === 'string' ? manifest.main : 'index.js';
  files[normalize(main).split(sep).join('/')] =
    `module.exports = ${JSON.stringify({ name, version: version.version })};\n`;
  for (const target of Object.values(normaliseBin(name, version.bin) ?? {})) {
    files[normalize(target).split(sep).join('/')] = `#!/usr/bin/env node\nconsole.log(${JSON.stringify(`${name}@${version.version}`)});\n`;
  }
  Object.assign(files, version.files ?? {});
  for (const file of Object.keys(files)) {
    const n = normalize(file);
    if (n.startsWith('..') || n.startsWith(sep) || /^[a-zA-Z]:/.test(n)) {
      throw new Error(`fixture registry: file ${file} of ${name}@${version.version} leaves package/`);
    }
  }
  return files;
}

function describeTarball(raw: Uint8Array): BuiltTarball {
  const bytes = Buffer.from(raw);
  return {
    bytes,
    shasum: createHash('sha1').update(bytes).digest('hex'),
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    fileCount: 0,
    unpackedSize: bytes.length,
  };
}

async function buildTarball(files: Record<string, string>): Promise<BuiltTarball> {
  const dir = await mkdtemp(join(tmpdir(), 'safe-npm-fixture-tgz-'));
  try {
    const names = Object.keys(files)
      .map((f) => normalize(f).split(sep).join('/'))
      .sort();
    let unpackedSize = 0;
    for (const [file, content] of Object.entries(files)) {
      const path = join(dir, 'package', file);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
      unpackedSize += Buffer.byteLength(content);
    }
    const out = join(dir, 'out.tgz');
    await createTar(
      { gzip: true, cwd: dir, portable: true, mtime: FIXED_MTIME, file: out },
      names.map((f) => `package/${f}`),
    );
    const bytes = await readFile(out);
    return {
      bytes,
      shasum: createHash('sha1').update(bytes).digest('hex'),
      integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      fileCount: names.length,
      unpackedSize,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json', head = false, failure?: FailureBehaviour) {
  const text = Buffer.from(JSON.stringify(failure?.document ? failure.document(body as Record<string, any>) : body));
  const headers = { 'content-type': contentType, 'cache-control': 'no-cache', vary: 'Accept, Accept-Encoding' };
  sendBody(res, status, headers, text, head, failure);
}

function sendBody(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer, head: boolean, failure?: FailureBehaviour) {
  res.writeHead(status, { ...headers, 'content-length': body.length });
  if (head) {
    res.end();
  } else if (failure?.cutShort) {
    // Half of what content-length promised, flushed, then the connection closes.
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
  } else {
    res.end(body);
  }
}

/** The size a 'huge' packument is padded to: made in memory on every request. */
export const HUGE_PACKUMENT_BYTES = 50 * 1024 * 1024;

/** What one failure kind does to a response; a kind has one of these. */
interface FailureBehaviour {
  /** Answers in place of the registry. */
  answer?: (res: ServerResponse) => void;
  /** Sends the registry's own answer, cut short. */
  cutShort?: boolean;
  /** Rewrites a packument or version manifest before it is sent. */
  document?: (doc: Record<string, any>) => Record<string, any>;
  /** Rewrites tarball bytes before they are sent. */
  tarball?: (bytes: Buffer) => Buffer;
}

const BROKEN_JSON = '{"name": "broken", "versions": {"1.0.0": {"name": ';

/** Every failure kind, as data; 'foreign-tarball' needs the registry's two origins. */
function failureBehaviours(origins: () => { url: string; foreignUrl: string }): Record<FailureKind, FailureBehaviour> {
  const foreignTarball = (dist: any) => {
    const { url, foreignUrl } = origins();
    if (dist && typeof dist.tarball === 'string' && dist.tarball.startsWith(url)) dist.tarball = foreignUrl + dist.tarball.slice(url.length);
  };
  return {
    error500: { answer: (res) => sendJson(res, 500, { error: 'Internal Server Error' }) },
    // What a mirror without the endpoint answers.
    error405: { answer: (res) => sendJson(res, 405, { error: 'Method Not Allowed' }) },
    badjson: { answer: (res) => sendBody(res, 200, { 'content-type': 'application/json' }, Buffer.from(BROKEN_JSON), false) },
    // Never answer; close() destroys the connection.
    timeout: { answer: () => {} },
    reset: { answer: (res) => res.socket?.resetAndDestroy() },
    truncated: { cutShort: true },
    // The same tar with one more empty block: the same files, other bytes.
    integrity: { tarball: (bytes) => gzipSync(Buffer.concat([gunzipSync(bytes), Buffer.alloc(512)])) },
    huge: { document: (doc) => ({ ...doc, _padding: 'x'.repeat(HUGE_PACKUMENT_BYTES) }) },
    'foreign-tarball': {
      document(doc) {
        const copy = structuredClone(doc);
        if (copy.versions) for (const manifest of Object.values<any>(copy.versions)) foreignTarball(manifest?.dist);
        else foreignTarball(copy.dist);
        return copy;
      },
    },
  };
}

function describeSigningKey(publicKey: KeyObject): RegistrySigningKey {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    keyid: `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`,
    keytype: 'ecdsa-sha2-nistp256',
    scheme: 'ecdsa-sha2-nistp256',
    key: der.toString('base64'),
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function parsePackagePath(segments: string[]): { name: string; rest: string[] } | undefined {
  if (segments.length === 0) return undefined;
  if (segments[0].startsWith('@')) {
    if (segments.length < 2 || segments[0].length < 2) return undefined;
    return { name: `${segments[0]}/${segments[1]}`, rest: segments.slice(2) };
  }
  return { name: segments[0], rest: segments.slice(1) };
}

export async function startRegistry(
  packages: FixturePackage[],
  options: StartRegistryOptions = {},
): Promise<FixtureRegistry> {
  const now = options.now ?? Date.now();
  const state = new Map<string, PackageState>();
  const tarballs = new Map<string, Promise<BuiltTarball>>();
  const failures = new Map<string, Failure>();
  const requests: RegistryRequest[] = [];
  const responseListeners = new Set<ResponseListener>();
  let advisories: BulkAdvisories = structuredClone(options.advisories ?? {});
  let advisoriesFailure: FailureKind | null = null;
  const advisoryRequests: Array<Record<string, string[]>> = [];
  const { privateKey: signingPrivateKey, publicKey: signingPublicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signingKey = describeSigningKey(signingPublicKey);
  const signatures = new Map<string, string>();

  for (const input of packages) {
    const pkg = resolvePackageTimes(structuredClone(input), now);
    if (state.has(pkg.name)) throw new Error(`fixture registry: ${pkg.name} given twice`);
    const versions = new Map<string, FixtureVersion>();
    for (const v of pkg.versions) {
      if (!semver.valid(v.version)) throw new Error(`fixture registry: invalid version ${pkg.name}@${v.version}`);
      versions.set(v.version, v);
    }
    state.set(pkg.name, {
      name: pkg.name,
      versions,
      explicitTags: { ...(pkg.distTags ?? {}) },
      modified: pkg.modified,
      maintainers: pkg.maintainers,
    });
  }

  let url = '';
  let foreignUrl = '';
  const FAILURES = failureBehaviours(() => ({ url, foreignUrl }));

  function tarballUrl(name: string, version: string): string {
    return `${url}${name}/-/${unscopedName(name)}-${version}.tgz`;
  }

  function getTarball(name: string, version: FixtureVersion): Promise<BuiltTarball> {
    const key = `${name}@${version.version}`;
    let built = tarballs.get(key);
    if (!built) {
      built = version.rawTarball ? Promise.resolve(describeTarball(version.rawTarball)) : buildTarball(tarballFiles(name, version));
      tarballs.set(key, built);
      built.catch(() => tarballs.delete(key));
    }
    return built;
  }

  function distTags(pkg: PackageState): Record<string, string> {
    const all = sortVersions(pkg.versions.keys());
    const stable = all.filter((v) => semver.prerelease(v) === null);
    const tags: Record<string, string> = {};
    const latest = stable.at(-1) ?? all.at(-1);
    if (latest) tags.latest = latest;
    return { ...tags, ...pkg.explicitTags };
  }

  async function versionManifest(pkg: PackageState, version: FixtureVersion, maintainersSoFar: string[]) {
    const tarball = await getTarball(pkg.name, version);
    const publisher = version.publisher ?? 'alice';
    const npmUser: Record<string, unknown> = person(publisher);
    if (version.trustedPublisher) {
      npmUser.trustedPublisher = {
        id: 'github',
        oidcConfigId: `oidc:${createHash('sha256').update(pkg.name).digest('hex').slice(0, 32)}`,
      };
    }
    const dist: Record<string, unknown> = {
      tarball: tarballUrl(pkg.name, version.version),
      shasum: tarball.shasum,
      integrity: tarball.integrity,
      fileCount: tarball.fileCount,
      unpackedSize: tarball.unpackedSize,
    };
    const signature = version.signature ?? 'valid';
    if (signature !== 'none') {
      // 'wrong': signed by the right key over an integrity that is not this tarball's.
      const integrity = signature === 'valid' ? tarball.integrity : `sha512-${createHash('sha512').update(`not ${pkg.name}`).digest('base64')}`;
      // ECDSA signatures are randomised: made once per message, so every answer carries the same one.
      const message = `${pkg.name}@${version.version}:${integrity}`;
      let sig = signatures.get(message);
      if (sig === undefined) {
        sig = sign('sha256', Buffer.from(message), signingPrivateKey).toString('base64');
        signatures.set(message, sig);
      }
      dist.signatures = [{ keyid: signingKey.keyid, sig }];
    }
    if (version.provenance) {
      dist.attestations = {
        url: `${url}-/npm/v1/attestations/${pkg.name}@${version.version}`,
        provenance: { predicateType: 'https://slsa.dev/provenance/v1' },
      };
    }
    const manifest: Record<string, unknown> = {
      ...authoredManifest(pkg.name, version),
      ...(version.manifestName !== undefined ? { name: version.manifestName } : {}),
      _id: `${pkg.name}@${version.version}`,
      _nodeVersion: '20.20.0',
      _npmVersion: '11.19.1',
      _npmUser: npmUser,
      _hasShrinkwrap: false,
      maintainers: maintainersSoFar.map(person),
      dist,
    };
    if ('binding.gyp' in (version.files ?? {})) manifest.gypfile = true;
    if (hasInstallScript(version)) manifest.hasInstallScript = true;
    if (version.deprecated !== undefined) manifest.deprecated = version.deprecated;
    for (const [field, value] of Object.entries(version.packumentOverrides ?? {})) {
      if (value === null) delete manifest[field];
      else manifest[field] = value;
    }
    return manifest;
  }

  async function fullPackument(pkg: PackageState): Promise<Record<string, any>> {
    const ordered = sortVersions(pkg.versions.keys())
      .map((v) => pkg.versions.get(v)!)
      .sort((a, b) => Date.parse(a.publishedAt) - Date.parse(b.publishedAt));
    const versions: Record<string, unknown> = {};
    const time: Record<string, string> = {};
    const publishers: string[] = [];
    for (const v of ordered) {
      const publisher = v.publisher ?? 'alice';
      if (!publishers.includes(publisher)) publishers.push(publisher);
      versions[v.version] = await versionManifest(pkg, v, [...publishers]);
    }
    const times = ordered.map((v) => Date.parse(v.publishedAt));
    const created = times.length ? new Date(Math.min(...times)).toISOString() : new Date(now).toISOString();
    const newest = times.length ? new Date(Math.max(...times)).toISOString() : created;
    time.created = created;
    time.modified = pkg.modified ?? newest;
    for (const v of sortVersions(pkg.versions.keys())) time[v] = pkg.versions.get(v)!.publishedAt;
    const tags = distTags(pkg);
    return {
      _id: pkg.name,
      _rev: `${ordered.length}-${createHash('md5').update(`${pkg.name}${time.modified}`).digest('hex')}`,
      name: pkg.name,
      description: `Fixture package ${pkg.name}`,
      'dist-tags': tags,
      versions,
      time,
      maintainers: (pkg.maintainers ?? publishers).map(person),
      readme: `# ${pkg.name}\n\nFixture package for safe-npm tests.\n`,
      readmeFilename: 'README.md',
      license: 'MIT',
    };
  }

  async function packument(name: string, abbreviated = false): Promise<Record<string, any> | undefined> {
    const pkg = state.get(name);
    if (!pkg) return undefined;
    const full = await fullPackument(pkg);
    if (!abbreviated) return full;
    const versions: Record<string, unknown> = {};
    for (const [version, manifest] of Object.entries(full.versions as Record<string, Record<string, unknown>>)) {
      const short: Record<string, unknown> = {};
      for (const field of ABBREVIATED_VERSION_FIELDS) {
        const value = manifest[field];
        if (value === undefined) continue;
        // Like the public registry: empty dependency maps are left out.
        if (field.endsWith('ependencies') && value && typeof value === 'object' && Object.keys(value).length === 0) {
          continue;
        }
        short[field] = value;
      }
      versions[version] = short;
    }
    return { name: full.name, modified: full.time.modified, 'dist-tags': full['dist-tags'], versions };
  }

  function failureFor(name: string, target: 'packument' | 'tarball'): FailureKind | undefined {
    const failure = failures.get(name);
    if (!failure) return undefined;
    return failure.target === 'all' || failure.target === target ? failure.kind : undefined;
  }

  /** Returns true when the response has been dealt with by a failure that answers in place of the registry. */
  function applyFailure(res: ServerResponse, kind: FailureKind | undefined): boolean {
    const answer = kind && FAILURES[kind].answer;
    if (!answer) return false;
    answer(res);
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, foreign = false): Promise<void> {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const accept = req.headers.accept ?? '';
    const rawPath = rawUrl.split('?')[0];
    let segments: string[];
    try {
      segments = rawPath
        .split('/')
        .filter(Boolean)
        .map((s) => decodeURIComponent(s))
        .flatMap((s) => s.split('/'))
        .filter(Boolean);
    } catch {
      segments = [];
    }
    const path = `/${segments.join('/')}`;
    const entry: RegistryRequest = { method, url: rawUrl, path, accept, kind: 'other', ...(foreign ? { foreign } : {}) };
    requests.push(entry);
    if (responseListeners.size > 0) {
      res.once('finish', () => {
        for (const listener of [...responseListeners]) {
          Promise.resolve()
            .then(() => listener(entry))
            .catch((error: unknown) => {
              console.error('fixture registry: response listener failed:', error);
            });
        }
      });
    }
    const head = method === 'HEAD';

    // Read any request body (advisory bulk POSTs, etc.).
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise<void>((resolve) => {
      if (req.readableEnded) resolve();
      else req.on('end', () => resolve()).on('error', () => resolve());
    });
    if (chunks.length > 0) {
      let raw = Buffer.concat(chunks);
      if (/gzip/i.test(String(req.headers['content-encoding'] ?? ''))) {
        try {
          raw = gunzipSync(raw);
        } catch {
          // kept as sent
        }
      }
      entry.body = raw.toString('utf8');
    }
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));

    if (segments[0] === '-') {
      if (segments[1] === 'ping') {
        entry.kind = 'ping';
        return sendJson(res, 200, {}, 'application/json', head);
      }
      if (segments.slice(1, 4).join('/') === 'npm/v1/security' && method === 'POST') {
        entry.kind = 'advisories';
        let asked: Record<string, string[]> = {};
        try {
          const parsedBody = entry.body ? JSON.parse(entry.body) : {};
          if (parsedBody && typeof parsedBody === 'object' && !Array.isArray(parsedBody)) asked = parsedBody;
        } catch {
          // an unreadable body asks about nothing
        }
        advisoryRequests.push(asked);
        if (applyFailure(res, advisoriesFailure ?? undefined)) return;
        const answer: BulkAdvisories = {};
        for (const name of Object.keys(asked)) {
          if (Object.hasOwn(advisories, name) && advisories[name].length > 0) answer[name] = advisories[name];
        }
        return sendJson(res, 200, answer);
      }
      if (segments.slice(1).join('/') === 'npm/v1/keys' && (method === 'GET' || method === 'HEAD')) {
        entry.kind = 'keys';
        const { keyid, keytype, scheme, key } = signingKey;
        return sendJson(res, 200, { keys: [{ expires: null, keyid, keytype, scheme, key }] }, 'application/json', head);
      }
      return sendJson(res, 404, { error: 'Not found' }, 'application/json', head);
    }

    if (method !== 'GET' && method !== 'HEAD') {
      return sendJson(res, 405, { error: 'Method not allowed' });
    }
    const parsed = parsePackagePath(segments);
    if (!parsed) return sendJson(res, 404, { error: 'Not found' }, 'application/json', head);
    const { name, rest } = parsed;
    entry.name = name;
    const pkg = state.get(name);

    if (rest.length === 2 && rest[0] === '-') {
      entry.kind = 'tarball';
      const failure = failureFor(name, 'tarball');
      if (applyFailure(res, failure)) return;
      const prefix = `${unscopedName(name)}-`;
      const file = rest[1];
      const version = file.startsWith(prefix) && file.endsWith('.tgz') ? file.slice(prefix.length, -4) : '';
      const fixture = pkg?.versions.get(version);
      if (!pkg || !fixture) return sendJson(res, 404, { error: 'Not found' }, 'application/json', head);
      const tarball = await getTarball(name, fixture);
      const behaviour = failure && FAILURES[failure];
      const bytes = behaviour?.tarball ? behaviour.tarball(tarball.bytes) : tarball.bytes;
      return sendBody(res, 200, { 'content-type': 'application/octet-stream', 'cache-control': 'max-age=31536000' }, bytes, head, behaviour);
    }

    if (rest.length === 0) {
      entry.kind = 'packument';
      const failure = failureFor(name, 'packument');
      if (applyFailure(res, failure)) return;
      const abbreviated = accept.includes(ABBREVIATED_TYPE);
      const doc = await packument(name, abbreviated);
      if (!doc) return sendJson(res, 404, { error: 'Not found' }, 'application/json', head);
      return sendJson(res, 200, doc, abbreviated ? ABBREVIATED_TYPE : 'application/json', head, failure && FAILURES[failure]);
    }

    if (rest.length === 1) {
      // GET /<name>/<version|tag>: one full version manifest.
      entry.kind = 'manifest';
      const failure = failureFor(name, 'packument');
      if (applyFailure(res, failure)) return;
      const doc = await packument(name);
      if (!doc) return sendJson(res, 404, { error: 'Not found' }, 'application/json', head);
      const version = doc['dist-tags'][rest[0]] ?? rest[0];
      const manifest = doc.versions[version];
      if (!manifest) return sendJson(res, 404, { error: 'Not found' }, 'application/json', head);
      return sendJson(res, 200, manifest, 'application/json', head, failure && FAILURES[failure]);
    }

    return sendJson(res, 404, { error: 'Not found' }, 'application/json', head);
  }

  const listen = (port: number, foreign: boolean) =>
    new Promise<Server>((resolve, reject) => {
      const server: Server = createServer((req, res) => {
        handle(req, res, foreign).catch((error: unknown) => {
          if (!res.headersSent) {
            sendJson(res, 500, { error: String((error as Error)?.message ?? error) });
          } else {
            res.destroy();
          }
        });
      });
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  const sockets = new Set<Socket>();
  const servers = [await listen(options.port ?? 0, false), await listen(0, true)];
  const origin = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  url = origin(servers[0]);
  foreignUrl = origin(servers[1]);

  let closed: Promise<void> | undefined;

  return {
    url,
    foreignUrl,
    requests,
    advisoryRequests,
    signingKey,
    setAdvisories(next) {
      advisories = structuredClone(next ?? {});
    },
    setAdvisoriesFailure(kind) {
      advisoriesFailure = kind;
    },
    close() {
      closed ??= Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      ).then(() => {});
      for (const socket of sockets) socket.destroy();
      return closed;
    },
    async publish(name, version, publishOptions = {}) {
      if (!semver.valid(version.version)) throw new Error(`fixture registry: invalid version ${name}@${version.version}`);
      const resolved: FixtureVersion = { ...structuredClone(version), publishedAt: resolveTime(version.publishedAt) };
      let pkg = state.get(name);
      if (!pkg) {
        pkg = { name, versions: new Map(), explicitTags: {} };
        state.set(name, pkg);
      }
      pkg.versions.set(resolved.version, resolved);
      tarballs.delete(`${name}@${resolved.version}`);
      if (publishOptions.tag) pkg.explicitTags[publishOptions.tag] = resolved.version;
      if (pkg.modified !== undefined && Date.parse(resolved.publishedAt) > Date.parse(pkg.modified)) {
        pkg.modified = resolved.publishedAt;
      }
      await getTarball(name, resolved);
    },
    setDistTag(name, tag, version) {
      const pkg = state.get(name);
      if (!pkg?.versions.has(version)) throw new Error(`fixture registry: no ${name}@${version}`);
      pkg.explicitTags[tag] = version;
    },
    setFailure(name, kind, target = 'all') {
      if (kind === null) failures.delete(name);
      else failures.set(name, { kind, target });
    },
    packument(name, packumentOptions = {}) {
      return packument(name, packumentOptions.abbreviated ?? false);
    },
    async tarball(name, version) {
      const fixture = state.get(name)?.versions.get(version);
      return fixture ? (await getTarball(name, fixture)).bytes : undefined;
    },
    onResponse(listener) {
      responseListeners.add(listener);
      return () => {
        responseListeners.delete(listener);
      };
    },
  };
}
