// A gzipped tarball written entry by entry, for archives a packer never makes
// from a real folder: here, a file `collides` followed by `collides/file`, so
// tar cannot write the second entry (its mkdir fails with EEXIST) on any disk.

import { gzipSync } from 'node:zlib';
import { Header } from 'tar';

export interface RawEntry {
  /** The path in the archive, e.g. 'package/index.js'. */
  path: string;
  content: string;
}

export function rawTarball(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.content);
    const header = Buffer.alloc(512);
    new Header({ path: entry.path, mode: 0o644, size: body.length, type: 'File', mtime: new Date('2020-01-01T00:00:00Z'), uid: 0, gid: 0 }).encode(header, 0);
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
