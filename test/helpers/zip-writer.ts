// Writes small zip archives for tests of the OSV dataset loader: stored or
// deflated entries, optionally with ZIP64 records as big exports have.

import { crc32, deflateRawSync } from 'node:zlib'

export interface ZipInput {
  name: string
  data: Buffer | string
}

export function writeZip(files: ZipInput[], options: { deflate?: boolean, zip64?: boolean } = {}): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const file of files) {
    const data = Buffer.from(file.data)
    const stored = options.deflate === false ? data : deflateRawSync(data)
    const method = options.deflate === false ? 0 : 8
    const name = Buffer.from(file.name, 'utf8')
    const crc = crc32(data)

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(options.zip64 === true ? 45 : 20, 4)
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(stored.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    locals.push(local, name, stored)

    const extra = options.zip64 === true ? zip64Extra(data.length, stored.length, offset) : Buffer.alloc(0)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(45, 4)
    central.writeUInt16LE(options.zip64 === true ? 45 : 20, 6)
    central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(options.zip64 === true ? 0xffffffff : stored.length, 20)
    central.writeUInt32LE(options.zip64 === true ? 0xffffffff : data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt16LE(extra.length, 30)
    central.writeUInt32LE(options.zip64 === true ? 0xffffffff : offset, 42)
    centrals.push(central, name, extra)
    offset += local.length + name.length + stored.length
  }
  const directory = Buffer.concat(centrals)
  const tail: Buffer[] = []
  if (options.zip64 === true) {
    const record = Buffer.alloc(56)
    record.writeUInt32LE(0x06064b50, 0)
    record.writeBigUInt64LE(44n, 4)
    record.writeUInt16LE(45, 12)
    record.writeUInt16LE(45, 14)
    record.writeBigUInt64LE(BigInt(files.length), 24)
    record.writeBigUInt64LE(BigInt(files.length), 32)
    record.writeBigUInt64LE(BigInt(directory.length), 40)
    record.writeBigUInt64LE(BigInt(offset), 48)
    const locator = Buffer.alloc(20)
    locator.writeUInt32LE(0x07064b50, 0)
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8)
    locator.writeUInt32LE(1, 16)
    tail.push(record, locator)
  }
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(options.zip64 === true ? 0xffff : files.length, 8)
  end.writeUInt16LE(options.zip64 === true ? 0xffff : files.length, 10)
  end.writeUInt32LE(options.zip64 === true ? 0xffffffff : directory.length, 12)
  end.writeUInt32LE(options.zip64 === true ? 0xffffffff : offset, 16)
  return Buffer.concat([...locals, directory, ...tail, end])
}

function zip64Extra(size: number, compressedSize: number, offset: number): Buffer {
  const extra = Buffer.alloc(4 + 24)
  extra.writeUInt16LE(0x0001, 0)
  extra.writeUInt16LE(24, 2)
  extra.writeBigUInt64LE(BigInt(size), 4)
  extra.writeBigUInt64LE(BigInt(compressedSize), 12)
  extra.writeBigUInt64LE(BigInt(offset), 20)
  return extra
}
