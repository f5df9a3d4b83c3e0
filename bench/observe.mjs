// Preloaded (`node --import`) into npm or safe-npm during the benchmark's
// observation round only, never during timed rounds. Records, without
// touching the tool's code:
//   - every HTTP request made (diagnostics_channel), split into packuments,
//     tarballs and other registry endpoints (/-/…: advisories, keys), with the
//     response status (200 = fetched, 304 = revalidated);
//   - every JSON.parse of a document of 16 KiB or more (packuments, lockfiles):
//     how many, how many bytes, how long;
//   - with BENCH_PHASES=1 (safe-npm only): the time of each progress line
//     safe-npm prints ("resolving…", "gathering facts…", "installing…"). It
//     prints them only to a terminal, so stderr is made to look like one.
// Everything is written as JSON to $BENCH_OBSERVE_OUT when the process exits.
import dc from 'node:diagnostics_channel'
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

const out = process.env.BENCH_OBSERVE_OUT
const record = {
  requests: { packument: {}, tarball: {}, other: {} },
  json: { count: 0, bytes: 0, ms: 0, largest: 0 },
  phases: [],
  exitMs: 0,
}

function kindOf(path) {
  const pathname = String(path ?? '').split('?')[0]
  if (/\/-\/[^/]+\.tgz$/.test(pathname)) return 'tarball'
  if (pathname.startsWith('/-/')) return 'other'
  return 'packument'
}

const started = new WeakSet()
dc.subscribe('http.client.request.start', ({ request }) => {
  started.add(request)
})
dc.subscribe('http.client.response.finish', ({ request, response }) => {
  const bucket = record.requests[kindOf(request.path)]
  const status = String(response?.statusCode ?? 'error')
  bucket[status] = (bucket[status] ?? 0) + 1
})
dc.subscribe('http.client.request.error', ({ request }) => {
  const bucket = record.requests[kindOf(request.path)]
  bucket.error = (bucket.error ?? 0) + 1
})

const parse = JSON.parse
JSON.parse = function observedParse(text, reviver) {
  if (typeof text !== 'string' || text.length < 16384) return parse(text, reviver)
  const t0 = performance.now()
  try {
    return parse(text, reviver)
  } finally {
    record.json.count++
    record.json.bytes += text.length
    record.json.ms += performance.now() - t0
    if (text.length > record.json.largest) record.json.largest = text.length
  }
}

if (process.env.BENCH_PHASES === '1') {
  Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true })
  const write = process.stderr.write.bind(process.stderr)
  process.stderr.write = function observedWrite(chunk, ...rest) {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : ''
    for (const line of text.split('\n')) {
      if (line.startsWith('safe-npm: ') && !line.startsWith('safe-npm: error')) {
        record.phases.push({ ms: Math.round(performance.now()), text: line.slice('safe-npm: '.length) })
      }
    }
    return write(chunk, ...rest)
  }
}

process.on('exit', () => {
  record.exitMs = Math.round(performance.now())
  if (out) writeFileSync(out, JSON.stringify(record))
})
