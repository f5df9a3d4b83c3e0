// A disk that fills up during an install: pacote reports a file it could not
// write only as a warning, and Arborist writes package.json and the lockfile in
// place. safe-npm must fail (exit 3, EEXTRACT naming the package and ENOSPC),
// leave package.json and package-lock.json byte for byte as they were, and the
// next run after space is freed must install the right tree.
//
// The disk is a real 2 MB tmpfs (mount needs root: CI runs as root). Where it
// cannot be mounted, the disk-full tests are replaced by the same checks on an
// entry that no disk can take (a tarball whose `collides/file` follows a file
// `collides`), named as a simulation; that case also runs everywhere on its own.
//
// The CLI runs in-process (what it leaves on disk is the subject); the first
// tmpfs case, or the simulation where there is no tmpfs, runs the real binary
// (exit 3 from the process).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { unwritableEntryTarball } from '../helpers/raw-tarball.js';
import {
  assertExit,
  explain,
  installedPackages,
  lockedPackages,
  sandbox,
  sortedEntries,
  startHarness,
  type Harness,
  type Sandbox,
  type SandboxOptions,
} from './support.js';

const MB = 1024 * 1024;
const BIG_FILE_BYTES = 3 * MB;

const diskFull = suite<{ harness: Harness }>('e2e: a full disk during install');

diskFull.before(async (context) => {
  context.harness = await startHarness(['left-pad', 'tiny-dep', 'lodash-lite'], { runner: 'in-process' });
  // 3 MB of one letter: a tiny tarball that needs 3 MB on disk.
  await context.harness.registry.publish('big-file', { version: '1.0.0', publishedAt: '-30d', files: { 'data.bin': 'x'.repeat(BIG_FILE_BYTES) } });
  // Nothing to extract, but its lockfile entry alone (the optional peers are
  // recorded, not installed) is larger than one 4 KiB tmpfs page.
  const peers = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`optional-peer-with-a-long-name-${String(i).padStart(3, '0')}`, '^1.0.0']));
  await context.harness.registry.publish('wide-peers', {
    version: '1.0.0',
    publishedAt: '-30d',
    peerDependencies: peers,
    peerDependenciesMeta: Object.fromEntries(Object.keys(peers).map((name) => [name, { optional: true }])),
  });
  await context.harness.registry.publish('broken', { version: '1.0.0', publishedAt: '-30d', rawTarball: unwritableEntryTarball('broken', '1.0.0') });
});
diskFull.after(async (context) => {
  await context.harness.close();
});

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });

interface SmallDisk {
  dir: string;
  /** Writes a filler file until the disk has no byte left. */
  fill(): Promise<void>;
  /** Removes the filler. */
  free(): Promise<void>;
  /** Makes the disk this big (tmpfs can grow in place). */
  resize(bytes: number): void;
  unmount(): void;
}

function mountTmpfs(dir: string, bytes: number): SmallDisk {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  const filler = join(dir, '.filler');
  return {
    dir,
    async fill() {
      const handle = await open(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) await handle.write(chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        await handle.close().catch(() => {});
      }
      // The last chunk may have been written in part; fill the rest byte by byte.
      const last = await open(filler, 'a');
      try {
        for (;;) await last.write(Buffer.alloc(1, 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        await last.close().catch(() => {});
      }
    },
    free: () => rm(filler, { force: true }),
    resize(size) {
      execFileSync('mount', ['-o', `remount,size=${size}`, dir], { stdio: 'pipe' });
    },
    unmount() {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    },
  };
}

/** Why a tmpfs cannot be mounted here, or null when it can (synchronous: it decides which tests exist). */
function tmpfsUnavailable(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'safe-npm-tmpfs-probe-'));
  try {
    mountTmpfs(dir, 64 * 1024).unmount();
    return null;
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    return stderr || (error as Error).message.split('\n')[0];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A sandbox whose project folder is a fresh 2 MB tmpfs, unmounted by `run`'s end. */
async function onSmallDisk(harness: Harness, run: (box: Sandbox, disk: SmallDisk) => Promise<void>, options: SandboxOptions = {}): Promise<void> {
  const box = await sandbox(harness, {}, { ...options, projectSubdir: 'disk' });
  await mkdir(box.dir, { recursive: true });
  const disk = mountTmpfs(box.dir, 2 * MB);
  try {
    await run(box, disk);
  } finally {
    disk.unmount();
  }
}

async function readBytes(path: string): Promise<Buffer | null> {
  return readFile(path).catch(() => null);
}

/** Every empty file of the project (the filler aside), relative to it. */
async function emptyFiles(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const relative = `${prefix}${entry.name}`;
    if (entry.isDirectory()) found.push(...(await emptyFiles(path, `${relative}/`)));
    else if (entry.isFile() && entry.name !== '.filler' && (await stat(path)).size === 0) found.push(relative);
  }
  return found;
}

function assertFilesUnchanged(box: Sandbox, before: Record<string, Buffer | null>, what: string): Promise<void> {
  return Promise.all(
    Object.entries(before).map(async ([name, bytes]) => {
      const now = await readBytes(join(box.dir, name));
      assert.ok(bytes !== null && now !== null && bytes.equals(now), `${what}: ${name} changed (${bytes?.length} → ${now?.length ?? 'missing'} bytes)`);
    }),
  ).then(() => {});
}

async function keptFiles(box: Sandbox): Promise<Record<string, Buffer | null>> {
  return { 'package.json': await readBytes(join(box.dir, 'package.json')), 'package-lock.json': await readBytes(join(box.dir, 'package-lock.json')) };
}

/** node_modules agrees with package-lock.json and holds exactly these packages. */
async function assertTree(box: Sandbox, expected: Array<[string, string]>, what: string): Promise<void> {
  assert.equal(sortedEntries(await installedPackages(box.dir)), expected, `${what}: node_modules`);
  assert.equal(sortedEntries(await lockedPackages(box.dir)), expected, `${what}: package-lock.json`);
}

async function installLeftPad(box: Sandbox): Promise<void> {
  await writeFile(join(box.dir, 'package.json'), `${JSON.stringify(manifest({ 'left-pad': '^1.0.0' }), null, 2)}\n`);
  assertExit(await box.safeNpm(['install']), 0, 'the first install');
}

const unavailable = tmpfsUnavailable();

if (unavailable === null) {
  diskFull('a 3 MB file on a 2 MB tmpfs: exit 3 with EEXTRACT naming ENOSPC and the package; package.json and package-lock.json byte-identical; the next install after freeing space gets the right tree', async ({ harness }) => {
    await onSmallDisk(harness, async (box, disk) => {
      await installLeftPad(box);
      const before = await keptFiles(box);
      const hiddenBefore = await readBytes(join(box.dir, 'node_modules', '.package-lock.json'));

      const failed = await box.safeNpm(['install', 'big-file@1.0.0']);
      assertExit(failed, 3, 'the install that does not fit');
      assert.match(failed.stderr, /safe-npm: error EEXTRACT: could not extract big-file@1\.0\.0 \(node_modules\/big-file\): ENOSPC: no space left on device/, explain(failed));
      await assertFilesUnchanged(box, before, 'after ENOSPC');
      // Arborist's rollback took the half-written package away again.
      assert.equal(await readdir(join(box.dir, 'node_modules')), ['.package-lock.json', 'left-pad']);
      assert.ok(hiddenBefore?.equals((await readBytes(join(box.dir, 'node_modules', '.package-lock.json'))) ?? Buffer.alloc(0)), 'the hidden lockfile changed');
      assert.equal(await emptyFiles(box.dir), []);

      // The next run, with the disk as it is, recovers and changes nothing.
      assertExit(await box.safeNpm(['install']), 0, 'the next install');
      await assertFilesUnchanged(box, before, 'after the next install');
      await assertTree(box, [['node_modules/left-pad', '1.3.0']], 'after the next install');

      disk.resize(8 * MB);
      assertExit(await box.safeNpm(['install', 'big-file@1.0.0']), 0, 'the install with space');
      await assertTree(box, [['node_modules/big-file', '1.0.0'], ['node_modules/left-pad', '1.3.0']], 'with space');
      assert.is((await stat(join(box.dir, 'node_modules', 'big-file', 'data.bin'))).size, BIG_FILE_BYTES);
    }, { runner: 'binary' });
  });

  diskFull('disk already full: exit 3, no empty or cut-short package.json or package-lock.json (extracting, and writing a lockfile that grows); after freeing space the next install recovers', async ({ harness }) => {
    await onSmallDisk(harness, async (box, disk) => {
      await installLeftPad(box);
      const before = await keptFiles(box);
      await disk.fill();

      const extracting = await box.safeNpm(['install', 'tiny-dep@1.0.0']);
      assertExit(extracting, 3, 'extracting on a full disk');
      assert.match(extracting.stderr, /EEXTRACT: could not extract tiny-dep@1\.0\.0 .*ENOSPC/, explain(extracting));
      await assertFilesUnchanged(box, before, 'after extracting on a full disk');
      assert.equal(await emptyFiles(box.dir), [], 'empty files left');

      // No tarball to extract: Arborist writes package.json (same size) and
      // then a lockfile two pages long onto a disk with none free.
      const writing = await box.safeNpm(['install', '--package-lock-only', 'wide-peers@1.0.0']);
      assertExit(writing, 3, 'writing a larger lockfile on a full disk');
      assert.match(writing.stderr, /ENOSPC/, explain(writing));
      assert.match(writing.stderr, /package\.json and the lockfile are as they were/, explain(writing));
      await assertFilesUnchanged(box, before, 'after the lockfile write failed');
      assert.equal(await emptyFiles(box.dir), [], 'empty files left');

      await disk.free();
      assertExit(await box.safeNpm(['install']), 0, 'the next install after freeing space');
      await assertTree(box, [['node_modules/left-pad', '1.3.0']], 'after freeing space');
      assertExit(await box.safeNpm(['install', 'tiny-dep@1.0.0']), 0, 'installing after freeing space');
      await assertTree(box, [['node_modules/left-pad', '1.3.0'], ['node_modules/tiny-dep', '1.0.0']], 'after installing with space');
    });
  });
}

/** An install of `broken@1.0.0`, whose tarball has an entry no disk can take, fails and leaves the project as it was. */
async function unwritableEntryCase(harness: Harness, source: 'registry' | 'file', options: SandboxOptions = {}): Promise<void> {
  const box = await sandbox(harness, { 'package.json': manifest({ 'left-pad': '^1.0.0' }) }, options);
  assertExit(await box.safeNpm(['install']), 0, 'the first install');
  await writeFile(join(box.dir, 'broken-1.0.0.tgz'), unwritableEntryTarball('broken', '1.0.0'));
  const before = await keptFiles(box);

  const failed = await box.safeNpm(['install', source === 'registry' ? 'broken@1.0.0' : './broken-1.0.0.tgz']);
  assertExit(failed, 3, 'an entry that cannot be written');
  // pacote extracts a local tarball while resolving, to read its manifest (before the package has a place in the tree).
  const what = source === 'file' ? 'a tarball while resolving the tree' : 'broken@1.0.0 (node_modules/broken)';
  assert.match(failed.stderr, `EEXTRACT: could not extract ${what}: EEXIST: file already exists, mkdir `, explain(failed));
  assert.match(failed.stderr, '(collides/file)', explain(failed));
  await assertFilesUnchanged(box, before, 'after the failed extraction');
  assert.equal(await readdir(join(box.dir, 'node_modules')), ['.package-lock.json', 'left-pad']);

  assertExit(await box.safeNpm(['install']), 0, 'the next install');
  await assertTree(box, [['node_modules/left-pad', '1.3.0']], 'after the next install');
}

diskFull('a registry tarball with an entry that cannot be written (EEXIST, on any disk): exit 3 with EEXTRACT naming the package and the entry; package.json and package-lock.json byte-identical; the next install recovers', ({ harness }) =>
  unwritableEntryCase(harness, 'registry'),
);

diskFull('a local tarball with an entry that cannot be written fails already while resolving (pacote opens it to read its manifest), with the same guarantees', ({ harness }) =>
  unwritableEntryCase(harness, 'file'),
);

if (unavailable !== null) {
  diskFull(`disk full SIMULATED, no tmpfs here (${unavailable}): an entry that cannot be written stands in for ENOSPC: exit 3, files byte-identical, next install recovers`, ({ harness }) =>
    unwritableEntryCase(harness, 'registry', { runner: 'binary' }),
  );
}

diskFull("npm's own warnings are in --json as npmWarnings (a deprecated package)", async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'lodash-lite': '1.0.0' }) });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assert.equal(
    result.report?.npmWarnings?.filter((warning: any) => warning.title === 'deprecated'),
    [{ level: 'warn', title: 'deprecated', message: 'lodash-lite@1.0.0: lodash-lite 1.x is no longer maintained, use 2.x' }],
    explain(result),
  );
});

diskFull.run();
