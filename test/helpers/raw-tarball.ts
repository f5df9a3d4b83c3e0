// A gzipped tarball written entry by entry, for archives a packer never makes
// from a real folder: a file `collides` followed by `collides/file`, so tar
// cannot write the second entry (its mkdir fails with EEXIST) on any disk; and
// hostile entries (paths out of the package, symbolic and hard links out of it).

import { gunzipSync, gzipSync } from 'node:zlib';
import { Header } from 'tar';

export interface RawEntry {
  /** The path in the archive, e.g. 'package/index.js'. */
  path: string;
  /** Ignored for links. */
  content?: string;
  /** Default 'File'. */
  type?: 'File' | 'SymbolicLink' | 'Link';
  /** Where a link points. */
  linkpath?: string;
}

export function rawTarball(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? 'File';
    const body = Buffer.from(type === 'File' ? (entry.content ?? '') : '');
    const header = Buffer.alloc(512);
    new Header({ path: entry.path, mode: 0o644, size: body.length, type, linkpath: entry.linkpath, mtime: new Date('2020-01-01T00:00:00Z'), uid: 0, gid: 0 }).encode(header, 0);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** A package `name@version` whose entry `collides/file` cannot be written: `collides` is a file. */
export function unwritableEntryTarball(name: string, version: string): Buffer {
  const manifest = JSON.stringify({ name, version, main: 'index.js', license: 'MIT' }, null, 2);
  return rawTarball([
    { path: 'package/package.json', content: `${manifest}\n` },
    { path: 'package/index.js', content: 'module.exports = 1;\n' },
    { path: 'package/collides', content: 'a file\n' },
    { path: 'package/collides/file', content: 'cannot be written: its folder is a file\n' },
  ]);
}

/**
 * Entries that would write outside `node_modules/<name>` if unpacked as they
 * say: each case names `escaped.txt` (or the project's package.json) two
 * levels up, which is the project folder once the package is in node_modules.
 */
export const HOSTILE_ENTRIES: Record<'traversal' | 'symlink' | 'hardlink', RawEntry[]> = {
  traversal: [
    { path: 'package/../../escaped.txt', content: 'written outside the package\n' },
    { path: '../../escaped.txt', content: 'written outside the package\n' },
  ],
  // A link out of the package, then a file written through it.
  symlink: [
    { path: 'package/out', type: 'SymbolicLink', linkpath: '../..' },
    { path: 'package/out/escaped.txt', content: 'written through a symbolic link\n' },
  ],
  // A hard link to the project's package.json, then a file written over the link.
  hardlink: [
    { path: 'package/manifest-link', type: 'Link', linkpath: 'package/../../package.json' },
    { path: 'package/manifest-link', content: '{"name": "overwritten through a hard link"}\n' },
  ],
};

/** A package `name@version` (a valid package.json and index.js) with these hostile entries after them. */
export function hostileTarball(name: string, version: string, entries: RawEntry[]): Buffer {
  const manifest = JSON.stringify({ name, version, main: 'index.js', license: 'MIT' }, null, 2);
  return rawTarball([{ path: 'package/package.json', content: `${manifest}\n` }, { path: 'package/index.js', content: 'module.exports = 1;\n' }, ...entries]);
}

/**
 * A package `name@version` whose tar is cut short inside its data.txt while
 * the gzip around it is complete: a broken publish whose integrity still
 * matches, so only reading the archive to its end shows it.
 */
export function cutShortTarball(name: string, version: string): Buffer {
  const manifest = JSON.stringify({ name, version, main: 'index.js', license: 'MIT' }, null, 2);
  const whole = gunzipSync(rawTarball([
    { path: 'package/package.json', content: `${manifest}\n` },
    { path: 'package/index.js', content: 'module.exports = 1;\n' },
    { path: 'package/data.txt', content: 'x'.repeat(64 * 1024) },
  ]));
  // Three headers, two one-block files, and the first 1,000 bytes of data.txt.
  return gzipSync(whole.subarray(0, 512 * 5 + 1000));
}
