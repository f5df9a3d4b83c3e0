// Preloaded (`node --import`) into Verdaccio by the benchmark's registry
// scenario (bench/registry.mjs), in both variants alike. Times every request
// Verdaccio answers, from its arrival to the last byte written ('finish'),
// split into packuments, tarballs and other /-/ endpoints, without touching
// Verdaccio's code. The benchmark reads (and clears) what was recorded with
// GET /-/bench-probe between batches; that request is answered here and never
// reaches Verdaccio.
import http from 'node:http'

const PROBE_PATH = '/-/bench-probe'
let timings = { packument: [], tarball: [], other: [] }

function kindOf(url) {
  const pathname = String(url ?? '').split('?')[0]
  if (/\/-\/[^/]+\.tgz$/.test(pathname)) return 'tarball'
  if (pathname.startsWith('/-/')) return 'other'
  return 'packument'
}

const emit = http.Server.prototype.emit
http.Server.prototype.emit = function (event, request, response) {
  if (event !== 'request') return emit.apply(this, arguments)
  if (request.url === PROBE_PATH) {
    const body = JSON.stringify(timings)
    timings = { packument: [], tarball: [], other: [] }
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    response.end(body)
    return true
  }
  const started = process.hrtime.bigint()
  const bucket = kindOf(request.url)
  response.once('finish', () => {
    timings[bucket].push([Number(process.hrtime.bigint() - started) / 1e6, response.statusCode])
  })
  return emit.apply(this, arguments)
}
