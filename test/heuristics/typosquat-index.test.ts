// The typosquatting index: real incidents flagged against the real popular
// dataset, popular names never flagged, each technique on a small list, and
// the false-positive rate on widely used legitimate names.

import { npmHighImpact } from 'npm-high-impact'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { TyposquatIndex, type TyposquatTechnique } from '../../lib/heuristics/typosquat-index.js'
import { readNameList } from '../helpers/name-list.js'

const popular = TyposquatIndex.fromPopular()
const popularSet = new Set(npmHighImpact)

const incidents = suite('typosquat-index: real incidents')

// [malicious name, imitated popular package, technique]. Only incidents whose
// target is in the popular dataset are asserted (see the check below).
const REAL_TYPOSQUATS: Array<[string, string, TyposquatTechnique]> = [
  ['crossenv', 'cross-env', 'delimiter-variant'],
  ['babelcli', 'babel-cli', 'delimiter-variant'],
  ['gruntcli', 'grunt-cli', 'delimiter-variant'],
  ['nodesass', 'node-sass', 'delimiter-variant'],
  ['cross-env.js', 'cross-env', 'affix'],
  ['fabric-js', 'fabric', 'affix'],
  ['node-fabric', 'fabric', 'affix'],
  ['nodefabric', 'fabric', 'affix'],
  ['http-proxy.js', 'http-proxy', 'affix'],
  ['jquery.js', 'jquery', 'affix'],
  ['mssql.js', 'mssql', 'affix'],
  ['mssql-node', 'mssql', 'affix'],
  ['nodemssql', 'mssql', 'affix'],
  ['mysqljs', 'mysql', 'affix'],
  ['node-sqlite', 'sqlite', 'affix'],
  ['nodesqlite', 'sqlite', 'affix'],
  ['sqlite.js', 'sqlite', 'affix'],
  ['nodemailer-js', 'nodemailer', 'affix'],
  ['nodemailer.js', 'nodemailer', 'affix'],
  ['noderequest', 'request', 'affix'],
  ['proxy.js', 'proxy', 'affix'],
  ['twilio-npm', 'twilio', 'affix'],
  ['typescriptjs', 'typescript', 'affix'],
  ['mongose', 'mongoose', 'omitted-character'],
  ['jqeury', 'jquery', 'swapped-characters'],
  ['electorn', 'electron', 'swapped-characters'],
  ['lodahs', 'lodash', 'swapped-characters'],
  ['axois', 'axios', 'swapped-characters'],
  ['jquerry', 'jquery', 'doubled-character'],
  ['types-lodash.es', '@types/lodash-es', 'scope-confusion'],
  ['sinonjs__fake-timers', '@sinonjs/fake-timers', 'scope-confusion'],
  ['stautses', 'statuses', 'swapped-characters'],
  ['eslint-9', 'eslint', 'number-appended'],
  ['react-hook-form-5', 'react-hook-form', 'number-appended'],
  ['@acitons/artifact', '@actions/artifact', 'swapped-characters'],
]

incidents('every asserted target is in the dataset and no malicious name is', () => {
  for (const [name, target] of REAL_TYPOSQUATS) {
    assert.ok(popularSet.has(target), `${target} is popular`)
    assert.not.ok(popularSet.has(name), `${name} is not popular`)
  }
})

for (const [name, target, technique] of REAL_TYPOSQUATS) {
  incidents(`${name} imitates ${target} (${technique})`, () => {
    assert.equal(popular.check(name), { imitates: target, technique })
  })
}

incidents('a scope typo reports the package of the popular scope it imitates', () => {
  // Not the scope's most popular package (@typescript-eslint/types).
  assert.equal(popular.check('@typescript_eslinter/eslint'), { imitates: '@typescript-eslint/eslint-plugin', technique: 'edit-distance' })
  assert.equal(popular.check('@acitons/core'), { imitates: '@actions/core', technique: 'swapped-characters' })
})

incidents('shapes named in issue 11 (names written for the test)', () => {
  assert.equal(popular.check('apollocli8ent'), { imitates: 'apollo-client', technique: 'edit-distance' }, 'a digit between letters')
  assert.equal(popular.check('request-progres'), { imitates: 'request-progress', technique: 'omitted-character' }, 'a doubled last letter typed once')
})

incidents('names of incidents whose target is not popular are not flagged', () => {
  // ffmpeg, opencv, openssl, tkinter, caffe and shadowsocks are not in the dataset.
  for (const name of ['ffmepg', 'node-opencv', 'opencv.js', 'node-openssl', 'tkinter', 'nodecaffe', 'shadowsock', 'smb']) {
    assert.is(popular.check(name), null, name)
  }
})

const legitimate = suite('typosquat-index: legitimate names')

const POPULAR_LOOKALIKES = [
  // Popular names that sit one edit or one affix from other popular names.
  'cross-env', 'lodash', 'lodash-es', 'lodash.merge', 'react', 'react-dom', 'preact', 'jquery', 'mariadb',
  'node-fetch', 'node-sass', 'sass', 'babel-core', '@babel/core', 'debug', 'ms', 'qs', 'ws', 'pg', 'd3',
  'colors', 'color', 'request', 'requests', 'chalk', 'chokidar', 'mkdirp', 'rimraf', 'uuid', 'nanoid',
  'express', 'koa', 'axios', 'electron', 'mongoose', 'mongodb', 'mysql', 'mysql2', 'sqlite3', 'jest',
  'JSONStream', 'semver', 'typescript', '@types/node', '@types/react', 'eslint', 'esbuild', 'vite',
].filter((name) => popularSet.has(name))

legitimate('popular packages are never flagged', () => {
  assert.ok(POPULAR_LOOKALIKES.length > 30)
  for (const name of POPULAR_LOOKALIKES) assert.is(popular.check(name), null, name)
})

legitimate('no name of the popular dataset is flagged', () => {
  for (const name of npmHighImpact) {
    if (popular.check(name) !== null) assert.unreachable(`${name} is popular but flagged`)
  }
})

legitimate('anything under the scope of a popular package is its owner\'s', () => {
  for (const name of ['@babel/cor', '@types/nodee', '@aws-sdk/client-s4', '@angular/corre']) {
    assert.is(popular.check(name), null, name)
  }
})

legitimate('false positives on widely used names stay under 1%', () => {
  const names = readNameList('legit-names.txt')
  assert.ok(names.length >= 1000, `${names.length} names`)
  const flagged = names.filter((name) => popular.check(name) !== null)
  assert.ok(flagged.length / names.length < 0.01, `${flagged.length} flagged: ${flagged.join(', ')}`)
})

legitimate('at least half of the real malicious names are caught', () => {
  const names = readNameList('malicious-names.txt')
  const caught = names.filter((name) => popular.check(name) !== null)
  assert.ok(caught.length / names.length >= 0.5, `${caught.length} of ${names.length}`)
})

const techniques = suite('typosquat-index: techniques on a small list')

// Most popular first.
const SMALL = TyposquatIndex.fromPopular([
  'lodash', 'react', 'cross-env', '@types/node', 'moment', 'webpack', 'express', 'discord.js', 'electron',
  'react-native-svg', 'jest-util', 'vue', 'ms', 'chalk', '@babel/core', 'electron-store', 'eslint-plugin-import',
])

const check = (name: string): [string, string] | null => {
  const match = SMALL.check(name)
  return match === null ? null : [match.imitates, match.technique]
}

techniques('delimiter variants, also of short names', () => {
  assert.equal(check('crossenv'), ['cross-env', 'delimiter-variant'])
  assert.equal(check('cross_env'), ['cross-env', 'delimiter-variant'])
  // Dots and hyphens both separate words; distinct packages use either (object.entries, object-entries).
  assert.is(check('cross.env'), null)
  // Adding a delimiter the popular name does not have is how new names are made.
  assert.is(check('lo-dash'), null)
})

techniques('look-alike characters', () => {
  assert.equal(check('l0dash'), ['lodash', 'homoglyph'])
  assert.equal(check('1odash'), ['lodash', 'homoglyph'])
  assert.equal(check('rnoment'), ['moment', 'homoglyph'])
  assert.equal(check('vvebpack'), ['webpack', 'homoglyph'])
  assert.equal(check('Iodash'), ['lodash', 'homoglyph'])
  assert.equal(check('lоdash'), ['lodash', 'homoglyph'], 'Cyrillic о')
  assert.equal(check('m5'), null)
})

techniques('scope confusion', () => {
  assert.equal(check('types-node'), ['@types/node', 'scope-confusion'])
  assert.equal(check('typesnode'), ['@types/node', 'scope-confusion'])
  assert.equal(check('@types-node'), ['@types/node', 'scope-confusion'])
  assert.equal(check('@typesnode/utils'), ['@types/node', 'scope-confusion'])
  assert.equal(check('babelcore'), ['@babel/core', 'scope-confusion'])
  // A project's old unscoped name (babel-core before @babel/core) is not a squat.
  assert.is(check('babel-core'), null)
})

techniques('a popular name under a stranger\'s scope only when asked for', () => {
  assert.is(check('@foo/lodash'), null)
  const strict = TyposquatIndex.fromPopular(['lodash', '@babel/core', 'react'], { flagForeignScopeReuse: true })
  assert.equal(strict.check('@foo/lodash'), { imitates: 'lodash', technique: 'scope-confusion' })
  assert.is(strict.check('@babel/lodash'), null, 'a popular scope is its owner\'s')
  assert.equal(strict.check('@foo/react'), { imitates: 'react', technique: 'scope-confusion' })
  const short = TyposquatIndex.fromPopular(['ms'], { flagForeignScopeReuse: true })
  assert.is(short.check('@foo/ms'), null, 'short names are too common to tell')
})

techniques('typo shapes', () => {
  assert.equal(check('lodahs'), ['lodash', 'swapped-characters'])
  assert.equal(check('olodash'), ['lodash', 'affix'], 'a letter glued before a top name (below)')
  assert.equal(check('expresss'), ['express', 'doubled-character'])
  assert.equal(check('electon'), ['electron', 'omitted-character'])
  assert.equal(check('exprwss'), ['express', 'edit-distance'], 'w is next to e on the keyboard')
  assert.is(check('exprxss'), null, 'x is not next to e')
  assert.equal(check('expreds'), ['express', 'edit-distance'])
  assert.equal(check('elecrtron-sotre'), ['electron-store', 'edit-distance'], 'two edits in a long name')
  assert.is(check('elecrtron-stor'), null, 'two edits that change a word\'s ending')
})

techniques('words that differ as words are not typos', () => {
  assert.is(check('react-native-sms'), null, 'react-native-svg: the differing word is short')
  assert.is(check('jest-utils'), null, 'a plural')
  assert.is(check('electrons'), null, 'a plural')
  assert.is(check('expressed'), null)
  assert.is(check('expres'), null, 'a dropped last letter changes the word')
  assert.is(check('eslint-plugin-imports'), null)
})

techniques('short names are compared only after folding', () => {
  assert.is(check('vuw'), null)
  assert.is(check('mss'), null)
  assert.is(check('chalc'), null, 'chalk has 5 letters, but c/k are not neighbours')
  assert.equal(check('cha1k'), ['chalk', 'homoglyph'])
})

techniques('affixes and appended numbers', () => {
  assert.equal(check('lodash-js'), ['lodash', 'affix'])
  assert.equal(check('node-lodash'), ['lodash', 'affix'])
  assert.equal(check('lodash-npm'), ['lodash', 'affix'])
  assert.equal(check('npm-lodash'), ['lodash', 'affix'])
  assert.equal(check('js-lodash'), ['lodash', 'affix'])
  assert.equal(check('lodash2'), ['lodash', 'number-appended'])
  assert.equal(check('react18'), ['react', 'number-appended'])
  assert.is(check('vue-js'), null, 'targets shorter than five letters take no affix')
  assert.is(check('ms2'), null)
})

techniques('the more popular target wins; folding beats typos', () => {
  // 'exprwss' is one neighbouring key from both (e/w and a/w).
  const first = TyposquatIndex.fromPopular(['exprass', 'express'])
  assert.equal(first.check('exprwss'), { imitates: 'exprass', technique: 'edit-distance' })
  const second = TyposquatIndex.fromPopular(['express', 'exprass'])
  assert.equal(second.check('exprwss'), { imitates: 'express', technique: 'edit-distance' })
  // 'crossenv2' is a number away from one and a delimiter away from the other.
  const folding = TyposquatIndex.fromPopular(['crossenv', 'cross-env2'])
  assert.equal(folding.check('crossenv2'), { imitates: 'cross-env2', technique: 'delimiter-variant' })
})

techniques('names are compared without case, and reported as the dataset spells them', () => {
  assert.is(SMALL.check('Lodash'), null)
  assert.ok(SMALL.isPopular('LODASH'))
  assert.equal(check('LODAHS'), ['lodash', 'swapped-characters'])
  const legacy = TyposquatIndex.fromPopular(['JSONStream'])
  assert.equal(legacy.check('jsonstraem'), { imitates: 'JSONStream', technique: 'swapped-characters' })
})

techniques('fuzzyTargetLimit keeps loose checks to the most popular names', () => {
  const index = TyposquatIndex.fromPopular(['lodash', 'express'], { fuzzyTargetLimit: 1 })
  assert.equal(index.check('lodahs'), { imitates: 'lodash', technique: 'swapped-characters' })
  assert.is(index.check('exprses'), null)
})

const issue11 = suite('typosquat-index: false positives named in issue 11')

issue11('delimiters alone imitate nothing, not even the package "-"', () => {
  for (const name of ['', '_', '.', '__', '-.']) assert.is(popular.check(name), null, JSON.stringify(name))
})

issue11('types-<name> beside a popular <name> is a standalone type package', () => {
  // React 19's release candidates were typed by types-react, which projects alias @types/react to.
  for (const name of ['types-react', 'types-react-dom']) assert.is(popular.check(name), null, name)
  assert.equal(check('typesnode'), ['@types/node', 'scope-confusion'], 'the joined form still counts')
})

issue11('a scope near a popular one is only a typo when a package of that scope follows', () => {
  assert.is(popular.check('@storyblok/js'), null)
  assert.is(popular.check('@salesforce-ux/design-system'), null, 'a word added to a scope is a scope of its own')
  assert.is(popular.check('@node-ts/bus-core'), null)
  assert.is(popular.check('@angular-cli/ast-tools'), null, '@<scope>-<name> names a community around @scope/name')
  assert.is(popular.check('@preact-signals/utils'), null)
  assert.equal(check('@types-node'), ['@types/node', 'scope-confusion'], 'except for @types')
})

issue11('X.js spellings and appended numbers that name an encoding', () => {
  const index = TyposquatIndex.fromPopular(['chart.js', 'draft-js', 'base', 'passport-oauth', 'fdir'])
  for (const name of ['chartjs', 'chart-js', 'draftjs', 'draft.js', 'base58', 'passport-oauth1']) assert.is(index.check(name), null, name)
  assert.equal(index.check('fdir2'), { imitates: 'fdir', technique: 'number-appended' })
  assert.equal(index.check('passport-oauth-2'), { imitates: 'passport-oauth', technique: 'number-appended' })
})

issue11('digits after a word name versions, and short words lose last letters to become others', () => {
  assert.is(check('expres'), null)
  const index = TyposquatIndex.fromPopular(['vue-echarts', 'chalk-template'])
  assert.is(index.check('vue3-charts'), null)
  assert.is(index.check('chalk-templat'), null, 'a last letter left out that was not doubled')
})

issue11('letters glued before one of the most popular names', () => {
  assert.equal(check('tchalk'), ['chalk', 'affix'])
  assert.equal(check('cschalk-next'), ['chalk', 'affix'], 'two letters, and one word after')
  assert.is(check('xyzchalk'), null, 'three letters make a word of their own')
  assert.is(check('cschalk-next-ui'), null, 'nor with two words after')
  // Below the top of the list, a letter before a name makes another name (`ucolor`, `rbytes`).
  const filler = Array.from({ length: 300 }, (_, i) => `filler-package-${i}`)
  const index = TyposquatIndex.fromPopular([...filler, 'chalk'])
  assert.is(index.check('tchalk'), null)
})

issue11('a scope typo that changes a last letter, before a package of that scope', () => {
  const index = TyposquatIndex.fromPopular(['@opentelemetry/api', '@opentelemetry/core', '@chakra-ui/react'])
  assert.equal(index.check('@opentelemetrya/api'), { imitates: '@opentelemetry/api', technique: 'edit-distance' })
  assert.equal(index.check('@opentelemetrx/core'), { imitates: '@opentelemetry/core', technique: 'edit-distance' })
  assert.is(index.check('@opentelemetrya/api-extras'), null, 'only the very name of a package of the scope')
  assert.is(index.check('@chakra-xui/react'), null, 'a word added at the start of a short word')
})

issue11('a key held down in a long name', () => {
  const index = TyposquatIndex.fromPopular(['babel-plugin-styled-components'])
  assert.equal(index.check('babel-plugin-styled-componentsss'), { imitates: 'babel-plugin-styled-components', technique: 'doubled-character' })
  assert.is(index.check('babel-plugin-styled-componentsxy'), null)
})

const part3 = suite('typosquat-index: shapes of issue 11, part 3 (Datadog corpus)')

/** Against the real popular dataset. */
const checkPopular = (name: string): [string, string] | null => {
  const match = popular.check(name)
  return match === null ? null : [match.imitates, match.technique]
}

part3('a release word after a popular name passes a copy off as the package', () => {
  assert.equal(checkPopular('react-spring-latest'), ['react-spring', 'affix'])
  assert.equal(checkPopular('eslint-config-airbnb-compat'), ['eslint-config-airbnb', 'affix'])
  assert.equal(checkPopular('jquery-real'), ['jquery', 'affix'])
  assert.is(checkPopular('react-spring-demo'), null, 'any other word is a project of its own')
  assert.is(checkPopular('latest-react-spring'), null, 'only after the name')
})

part3('a helper word after one of the most popular names', () => {
  assert.equal(checkPopular('postcss-optimizer'), ['postcss', 'affix'])
  assert.equal(checkPopular('uuid-utils'), ['uuid', 'affix'], 'a target of four letters too')
  const filler = Array.from({ length: 1000 }, (_, i) => `filler-package-${i}`)
  const index = TyposquatIndex.fromPopular([...filler, 'marked'])
  assert.is(index.check('marked-utils'), null, 'below the top 1,000, <name>-utils is often the project\'s own')
  assert.equal(index.check('marked-latest'), { imitates: 'marked', technique: 'affix' }, 'release words have no such limit')
})

part3('a version after a delimiter', () => {
  const index = TyposquatIndex.fromPopular(['react-is', 'eslint', 'playwright', 'base', 'node'])
  assert.equal(index.check('react-is-17'), { imitates: 'react-is', technique: 'number-appended' })
  assert.equal(index.check('eslint-v7'), { imitates: 'eslint', technique: 'number-appended' })
  assert.equal(index.check('playwright-1.47'), { imitates: 'playwright', technique: 'number-appended' })
  assert.equal(index.check('node-v20'), { imitates: 'node', technique: 'number-appended' }, 'a v makes it a version after four letters')
  assert.is(index.check('base-58'), null, 'two digits after four letters name an encoding')
  assert.is(index.check('eslint-210108'), null, 'a date or build number is no version')
})

part3('two or three digits glued inside a compound name', () => {
  const index = TyposquatIndex.fromPopular(['react-dnd', 'react-dnd-html5-backend', 'vue-chartjs'])
  assert.equal(index.check('react-dnd11'), { imitates: 'react-dnd', technique: 'number-appended' })
  assert.equal(index.check('react-dnd11-html5-backend'), { imitates: 'react-dnd-html5-backend', technique: 'number-appended' })
  assert.is(index.check('vue3-chartjs'), null, 'one digit names the version of what it extends')
})

part3('doubled letters typed once, or held down, over more than one edit', () => {
  const index = TyposquatIndex.fromPopular(['puppeteer', 'validator', 'react-dom', 'express'])
  assert.equal(index.check('pupeter'), { imitates: 'puppeteer', technique: 'omitted-character' }, 'two doubled letters typed once')
  assert.equal(index.check('validatorrr'), { imitates: 'validator', technique: 'doubled-character' })
  assert.is(index.check('react-doom'), null, 'in a short word')
  assert.is(index.check('expres'), null, 'at the end of a short word')
})

part3('a typo in the first word of a popular family', () => {
  const family = ['puppeteer', 'puppeteer-core', 'puppeteer-extra', 'puppeteer-cluster', 'puppeteer-extra-plugin', 'puppeteer-extra-plugin-stealth']
  const familyOf = (word: string): string[] => family.map((name) => name.replace('puppeteer', word))
  const index = TyposquatIndex.fromPopular([...family, ...familyOf('stream')])
  assert.equal(index.check('pupeteer-screen-recorder'), { imitates: 'puppeteer', technique: 'omitted-character' })
  assert.is(index.check('steam-user'), null, 'a first word of five letters is a word of its own')
  assert.is(index.check('strean-viewer'), null, 'a neighbouring key (m/n) in a first word is not enough')
  assert.is(TyposquatIndex.fromPopular(family.slice(0, 4)).check('pupeteer-cli'), null, 'three puppeteer-* names make no family')
})

part3('a letter added or dropped at a word edge in a name of three words', () => {
  const index = TyposquatIndex.fromPopular(['node-polyfill-webpack-plugin', 'rollup-plugin-replace', 'react-css-styled', 'preact'])
  assert.equal(index.check('nodes-polyfill-webpack-plugin'), { imitates: 'node-polyfill-webpack-plugin', technique: 'edit-distance' })
  assert.equal(index.check('node-polyfil-webpack-plugin'), { imitates: 'node-polyfill-webpack-plugin', technique: 'omitted-character' })
  assert.is(index.check('rollup-plugin-replacer'), null, 'a last word so changed is another word')
  assert.is(index.check('preact-css-styled'), null, 'the changed word is a popular package')
  assert.is(TyposquatIndex.fromPopular(['polyfill-webpack']).check('polyfills-webpack'), null, 'two words are too few')
})

part3('a word glued after a long popular name that starts a family', () => {
  const family = ['puppeteer', 'puppeteer-core', 'puppeteer-extra', 'puppeteer-cluster', 'puppeteer-extra-plugin', 'puppeteer-extra-plugin-stealth']
  const index = TyposquatIndex.fromPopular([...family, ...family.map((name) => name.replace('puppeteer', 'webpack'))])
  assert.equal(index.check('puppeteercaptur'), { imitates: 'puppeteer', technique: 'affix' })
  assert.equal(index.check('puppeteerscroll-down'), { imitates: 'puppeteer', technique: 'affix' }, 'before more words too')
  assert.is(index.check('webpackbar'), null, 'after a name of seven letters it makes a word of its own')
  assert.is(index.check('puppeteers'), null, 'a plural')
  assert.is(index.check('puppeteerrecorder'), null, 'more than six letters glued')
  assert.is(TyposquatIndex.fromPopular(family.slice(0, 4)).check('puppeteercaptur'), null, 'three puppeteer-* names make no family')
  assert.equal(checkPopular('puppeteerwweb'), ['puppeteer', 'affix'], 'the real dataset has the family')
})

part3('an ending that makes a word of a long popular name', () => {
  const index = TyposquatIndex.fromPopular(['libnpmpublish'])
  assert.equal(index.check('libnpmpublisher'), { imitates: 'libnpmpublish', technique: 'affix' })
  assert.equal(index.check('libnpmpublishing'), { imitates: 'libnpmpublish', technique: 'affix' })
  assert.is(index.check('libnpmpublishx'), null, 'any other letters need a family')
  assert.is(index.check('libnpmpublisher-cli'), null, 'only as the whole name')
})

part3('the digit of a popular name dropped', () => {
  const index = TyposquatIndex.fromPopular(['web3-eth-abi', 'es6-symbol', 'base64-js'])
  assert.equal(index.check('web-eth-abi'), { imitates: 'web3-eth-abi', technique: 'omitted-character' })
  assert.is(index.check('es-symbol'), null, 'a digit after two letters names an edition (es6, es2015)')
  assert.is(index.check('base-js'), null, 'a number of two digits is no slip')
  assert.equal(checkPopular('web-bzz'), ['web3-bzz', 'omitted-character'])
})

const part4 = suite('typosquat-index: shapes of issue 11, part 4 (Datadog corpus, half A)')

part4('the name of a package of a popular scope, published without the scope', () => {
  assert.equal(checkPopular('platform-browser-dynamic'), ['@angular/platform-browser-dynamic', 'scope-confusion'])
  const index = TyposquatIndex.fromPopular([
    '@angular/platform-browser-dynamic', '@chakra-ui/react-id', '@supabase/supabase-js',
    '@angular-eslint/eslint-plugin-template', '@types/react-router-dom', '@vue/compiler',
    '@apollographql/graphql-language-service-utils',
  ])
  assert.equal(index.check('platform-browser-dynamic'), { imitates: '@angular/platform-browser-dynamic', technique: 'scope-confusion' })
  assert.is(index.check('react-id'), null, 'two short words are a name of their own')
  assert.is(index.check('compiler'), null, 'one word is a name of its own')
  assert.is(index.check('supabase-js'), null, 'the project\'s name from before it moved into its scope')
  assert.is(index.check('eslint-plugin-template'), null, 'nor when it starts with a word of the scope')
  assert.is(index.check('react-router-dom'), null, '@types names are those of the packages they type')
  assert.is(index.check('graphql-language-service-utils'), null, 'a scope that spells out the first word forked the original')
})

part4('a version glued to a name, and a digit glued to a name of three words', () => {
  const index = TyposquatIndex.fromPopular(['eslint', 'react-big-calendar', 'react-select'])
  assert.equal(index.check('eslint7_0'), { imitates: 'eslint', technique: 'number-appended' })
  assert.equal(index.check('eslint8.57'), { imitates: 'eslint', technique: 'number-appended' })
  assert.equal(index.check('react-big-calendar2'), { imitates: 'react-big-calendar', technique: 'number-appended' })
  assert.is(index.check('react-select3'), null, 'a digit glued to a name of two words says what it is')
  assert.is(index.check('eslint7_0_1_2'), null)
})

part4('the last letter of a long word left out', () => {
  const index = TyposquatIndex.fromPopular(['ganache-cli', 'solidity-coverage', 'fontaine', 'victory', 'victory-core', 'victory-pie', 'victory-bar', 'victory-line', 'victory-axis'])
  assert.equal(index.check('ganach-cli'), { imitates: 'ganache-cli', technique: 'omitted-character' }, 'a word of seven letters, more words after')
  assert.equal(index.check('soliditycoverag'), { imitates: 'solidity-coverage', technique: 'omitted-character' }, 'a last word, or a whole name, of nine letters or more')
  assert.is(index.check('fontain'), null, 'a last word of eight letters so cut is often another word')
  assert.is(index.check('victor-a'), null, 'a first word of seven letters so cut is another word')
  assert.is(index.check('ganache-clis'), null)
})

part4('a letter that sounds like the one it replaces, in the first word of a family', () => {
  const family = ['hardhat', 'hardhat-deploy', 'hardhat-gas-reporter', 'hardhat-watcher', 'hardhat-abi-exporter', 'hardhat-contract-sizer']
  const index = TyposquatIndex.fromPopular([...family, ...family.map((name) => name.replace('hardhat', 'humanize'))])
  assert.equal(index.check('harthat-api'), { imitates: 'hardhat', technique: 'edit-distance' }, 'd spelt t')
  assert.is(index.check('harshat-api'), null, 'a neighbouring key (d/s) in a first word is not enough')
  assert.is(index.check('humanise-pw'), null, '-ise and -ize spell the same word')
  assert.is(TyposquatIndex.fromPopular(family.slice(0, 4)).check('harthat-api'), null, 'three hardhat-* names make no family')
})

part4('a word glued after a popular name typed with its doubled letters changed', () => {
  const family = ['puppeteer', 'puppeteer-core', 'puppeteer-extra', 'puppeteer-cluster', 'puppeteer-extra-plugin', 'puppeteer-extra-plugin-stealth']
  const index = TyposquatIndex.fromPopular(family)
  assert.equal(index.check('pupeteeerproxy'), { imitates: 'puppeteer', technique: 'affix' })
  assert.is(index.check('pupeteeers'), null, 'a plural')
  assert.is(index.check('pupeteeerrecorder'), null, 'more than six letters glued')
})

part4('a middle word left out of a popular name of three words or more', () => {
  const index = TyposquatIndex.fromPopular(['puppeteer-extra-plugin-stealth', 'eth-block-tracker', 'node-object-hash', 'angular-ui-router'])
  assert.equal(index.check('puppeteer-extra-stealth'), { imitates: 'puppeteer-extra-plugin-stealth', technique: 'omitted-word' })
  assert.equal(index.check('eth-tracker'), { imitates: 'eth-block-tracker', technique: 'omitted-word' })
  assert.is(index.check('node-hash'), null, 'what is left is shorter than ten characters: often a package of its own')
  assert.is(index.check('angular-router'), null, 'a word of two letters left out')
  assert.is(index.check('extra-plugin-stealth'), null, 'the first word stays')
  assert.is(index.check('puppeteer-extra-plugin'), null, 'the last word stays')
  assert.is(index.check('puppeteer_extra_stealth'), null, 'other delimiters than the popular name\'s')
})

part4('a letter slipped into a word of twelve letters or more, whatever the key', () => {
  const index = TyposquatIndex.fromPopular(['libnpmpublish', 'validator'])
  assert.equal(index.check('libpnpmpublish'), { imitates: 'libnpmpublish', technique: 'edit-distance' }, 'p is no neighbour of b or n')
  assert.is(index.check('validatqor'), null, 'a shorter word needs a neighbouring key')
  assert.is(index.check('libnpmpublishx'), null, 'not at a word end')
})

part4('more words that pass a copy off as the package', () => {
  assert.equal(checkPopular('string-width-aliased'), ['string-width', 'affix'])
  assert.is(checkPopular('string-width-alias'), null)
})

incidents.run()
legitimate.run()
techniques.run()
issue11.run()
part3.run()
part4.run()
