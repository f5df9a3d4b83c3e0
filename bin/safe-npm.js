#!/usr/bin/env node
// The CLI from dist/bundle/ (npm run build): lib/ compiled by tsc, then bundled
// by esbuild into one module (and one per command loaded on demand), which
// starts about 30 ms sooner than the hundred modules of dist/lib/ it is made of.
import module from 'node:module'

// As npm's own CLI does (lib/cli.js): on Node 22.1+, V8's code cache for the
// modules loaded from here on, in Node's default folder; about 50 ms a run.
try {
  module.enableCompileCache?.()
} catch {
  // a code cache that cannot be set up only costs time
}

const { main } = await import('../dist/bundle/main.js')

process.exitCode = await main(process.argv.slice(2))
