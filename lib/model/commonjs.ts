// require() for npm's CommonJS libraries (Arborist, pacote, semver, npm's
// config…). An ES module's `import` of a CommonJS package makes Node parse the
// package's source again to find its named exports (cjs-module-lexer); require()
// does not, which takes about 35 ms off every run's start for the libraries
// every run loads. Each file types what it requires with `typeof import(…)`.
import { createRequire } from 'node:module'

export const requireCommonJs = createRequire(import.meta.url)
