// The one redactor: what looks like a credential, and every secret npm's config holds.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { redact, registerSecrets } from '../../lib/model/redact.ts'

const CASES: Array<[string, string, string]> = [
  ['a user:pass URL', 'GET http://alice:password1@host.example/pkg', 'password1'],
  ['an https URL with a token as password', 'https://x:npm_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@r.example/', 'npm_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'],
  ['a token in a query string', 'https://feeds.example/list.txt?token=abc123def&x=1', 'abc123def'],
  ['an access_token in a query string', 'https://feeds.example/list.txt?a=1&access_token=zzz999', 'zzz999'],
  ['an .npmrc _authToken pair', '//registry.example/:_authToken=secret-tok-1', 'secret-tok-1'],
  ['a JSON _authToken pair', '{"//registry.example/:_authToken": "secret-tok-2"}', 'secret-tok-2'],
  ['an _auth pair', '_auth = dXNlcjpwYXNz', 'dXNlcjpwYXNz'],
  ['a bearer header', 'authorization: Bearer eyJhbGciOi.payload.sig', 'eyJhbGciOi.payload.sig'],
]

for (const [what, text, secret] of CASES) {
  test(`masks ${what}`, () => {
    const out = redact(text)
    assert.not.ok(out.includes(secret), out)
    assert.ok(out.includes('***'), out)
  })
}

test('leaves ordinary text alone', () => {
  const text = 'left-pad@1.3.0 from https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz (path: app > a > left-pad)'
  assert.is(redact(text), text)
})

test('masks registered secrets wherever they appear, and what base64 _auth values decode to', () => {
  registerSecrets(['plain-secret-42', Buffer.from('carol:pw-carol-1').toString('base64'), 'abc'])
  assert.is(redact('saw plain-secret-42 in an error'), 'saw *** in an error')
  assert.is(redact('password pw-carol-1 leaked'), 'password *** leaked')
  assert.is(redact(`header ${Buffer.from('carol:pw-carol-1').toString('base64')}`), 'header ***')
  // Too short to mask without mangling ordinary words.
  assert.is(redact('abc'), 'abc')
})

test.run()
