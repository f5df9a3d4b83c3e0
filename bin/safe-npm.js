#!/usr/bin/env node
// The CLI from dist/bundle/ (npm run build): lib/ compiled by tsc, then bundled
// by esbuild into one module (and one per command loaded on demand), which
// starts about 30 ms sooner than the hundred modules of dist/lib/ it is made of.
import { main } from '../dist/bundle/main.js'

process.exitCode = await main(process.argv.slice(2))
