// Just enough of the zip format to read an OSV export (osv.dev publishes each
// ecosystem as one `all.zip` of JSON files): stored and deflated entries,
// ZIP64 for archives of more than 65,535 files, CRC-32 checked. No encryption,
// no multi-disk.

import { crc32, inflateRawSync } from 'node:zlib'
import { IntelError } from './errors.js'

export interface ZipEntry {
  name: string
  /** The entry's uncompressed bytes. */
  read: () => Buffer
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50
const ZIP64_END_LOCATOR = 0x07064b50
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50
const CENTRAL_DIRECTORY_HEADER = 0x02014b50
const LOCAL_FILE_HEADER = 0x04034b50
const ZIP64_EXTRA_FIELD = 0x0001
const STORED = 0
const DEFLATED = 8

/**
 * The file entries (not folders) of a zip archive held in memory. A damaged
 * archive throws an EOSVZIP error, here or when an entry is read.
 */
export function readZipEntries(archive: Buffer, source: string): ZipEntry[] {
  const fail = (reason: string): never => {
    throw new IntelError('EOSVZIP', `${source}: not a readable zip archive: ${reason}`)
  }
  const guarded = <T>(read: () => T): T => {
    try {
      return read()
    } catch (error) {
      if (error instanceof IntelError) throw error
      throw new IntelError('EOSVZIP', `${source}: not a readable zip archive: ${(error as Error).message}`, { cause: error })
    }
  }
  return guarded(() => listEntries(archive, fail).map((entry) => ({ name: entry.name, read: () => guarded(entry.read) })))
}

function listEntries(archive: Buffer, fail: (reason: string) => never): ZipEntry[] {
  const end = findEndOfCentralDirectory(archive) ?? fail('no end-of-central-directory record')
  let entryCount = archive.readUInt16LE(end + 10)
  let directoryOffset = archive.readUInt32LE(end + 16)
  if (entryCount === 0xffff || directoryOffset === 0xffffffff) {
    const locator = end - 20
    if (locator < 0 || archive.readUInt32LE(locator) !== ZIP64_END_LOCATOR) fail('missing ZIP64 locator')
    const record = Number(archive.readBigUInt64LE(locator + 8))
    if (archive.readUInt32LE(record) !== ZIP64_END_OF_CENTRAL_DIRECTORY) fail('bad ZIP64 record')
    entryCount = Number(archive.readBigUInt64LE(record + 32))
    directoryOffset = Number(archive.readBigUInt64LE(record + 48))
  }

  const entries: ZipEntry[] = []
  let offset = directoryOffset
  for (let index = 0; index < entryCount; index++) {
    if (offset + 46 > archive.length || archive.readUInt32LE(offset) !== CENTRAL_DIRECTORY_HEADER) fail('bad central directory')
    const flags = archive.readUInt16LE(offset + 8)
    const method = archive.readUInt16LE(offset + 10)
    const checksum = archive.readUInt32LE(offset + 16)
    let compressedSize = archive.readUInt32LE(offset + 20)
    let size = archive.readUInt32LE(offset + 24)
    const nameLength = archive.readUInt16LE(offset + 28)
    const extraLength = archive.readUInt16LE(offset + 30)
    const commentLength = archive.readUInt16LE(offset + 32)
    let localOffset = archive.readUInt32LE(offset + 42)
    const name = archive.toString('utf8', offset + 46, offset + 46 + nameLength)
    const zip64 = readZip64Extra(archive, offset + 46 + nameLength, extraLength)
    if (size === 0xffffffff) size = zip64.shift() ?? fail(`${name}: missing ZIP64 size`)
    if (compressedSize === 0xffffffff) compressedSize = zip64.shift() ?? fail(`${name}: missing ZIP64 size`)
    if (localOffset === 0xffffffff) localOffset = zip64.shift() ?? fail(`${name}: missing ZIP64 offset`)
    offset += 46 + nameLength + extraLength + commentLength

    if (name.endsWith('/')) continue
    if ((flags & 1) !== 0) fail(`${name} is encrypted`)
    if (method !== STORED && method !== DEFLATED) fail(`${name} uses compression method ${method}`)
    entries.push({
      name,
      read: () => {
        if (archive.readUInt32LE(localOffset) !== LOCAL_FILE_HEADER) fail(`${name}: bad local header`)
        const dataStart = localOffset + 30 + archive.readUInt16LE(localOffset + 26) + archive.readUInt16LE(localOffset + 28)
        const data = archive.subarray(dataStart, dataStart + compressedSize)
        const bytes = method === STORED ? data : inflateRawSync(data)
        if (bytes.length !== size) fail(`${name}: size mismatch`)
        if (crc32(bytes) !== checksum) fail(`${name}: checksum mismatch`)
        return bytes
      },
    })
  }
  return entries
}

function findEndOfCentralDirectory(archive: Buffer): number | null {
  const earliest = Math.max(0, archive.length - 22 - 0xffff)
  for (let offset = archive.length - 22; offset >= earliest; offset--) {
    if (archive.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) return offset
  }
  return null
}

/** The 64-bit values of a ZIP64 extra field, in their order (size, compressed size, offset). */
function readZip64Extra(archive: Buffer, start: number, length: number): number[] {
  let offset = start
  while (offset + 4 <= start + length) {
    const id = archive.readUInt16LE(offset)
    const size = archive.readUInt16LE(offset + 2)
    if (id === ZIP64_EXTRA_FIELD) {
      const values: number[] = []
      for (let value = offset + 4; value + 8 <= offset + 4 + size; value += 8) {
        values.push(Number(archive.readBigUInt64LE(value)))
      }
      return values
    }
    offset += 4 + size
  }
  return []
}
