// The one redactor every byte safe-npm prints goes through (lib/cli/io.ts
// wraps both streams with it). It masks what looks like a credential — the
// password of a `user:pass@` URL, npm tokens, secrets in query strings and
// `.npmrc`-style `_authToken=` pairs, HTTP authorization values — and every
// literal secret npm's configuration holds, wherever it appears.
import { requireCommonJs } from './commonjs.js'

const { redactLog }: typeof import('@npmcli/redact') = requireCommonJs('@npmcli/redact')


const MASK = '***'

/** Query parameters that carry credentials (`?token=…`, `&access_token=…`). */
const SECRET_QUERY = /([?&](?:[\w.-]*token|auth|key|api[_-]?key|password|passwd|secret|signature|sig|session)=)[^&#\s"'<>]+/gi
/** `.npmrc`-style pairs: `_authToken=…`, `_auth = …`, `_password=…`, also JSON-quoted. */
const SECRET_PAIR = /((?:_authToken|_auth|_password|npmAuthToken|authToken)["']?\s*[=:]\s*["']?)[^\s"',}]+/gi
/** `Authorization: Bearer …` / `Basic …` values. */
const AUTH_HEADER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g
/** Any `scheme://user:password@` (npm's own redactor covers most; this also catches odd schemes). */
const URL_PASSWORD = /(\b[a-z][\w+.-]*:\/\/[^\s/:@"']+:)[^\s/@"']+@/gi

const knownSecrets = new Set<string>()

/**
 * Secrets read from npm's configuration (tokens, passwords, their base64
 * decodings): masked wherever they appear, even where no pattern would see them.
 */
export function registerSecrets(values: Iterable<unknown>): void {
  for (const value of values) {
    if (typeof value !== 'string' || value.length < 4) continue
    knownSecrets.add(value)
    // `_auth` is base64 of user:password; `_password` is base64 of the password.
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    if (/^[\x20-\x7e]{4,}$/.test(decoded) && Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '') === value.replace(/=+$/, '')) {
      knownSecrets.add(decoded)
      const password = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : null
      if (password && password.length >= 4) knownSecrets.add(password)
    }
  }
}

export function redact(text: string): string {
  let out = redactLog(text)
    .replace(URL_PASSWORD, `$1${MASK}@`)
    .replace(SECRET_QUERY, `$1${MASK}`)
    .replace(SECRET_PAIR, `$1${MASK}`)
    .replace(AUTH_HEADER, `$1 ${MASK}`)
  // Longest first, so a password inside a longer token is not left half-masked.
  for (const secret of [...knownSecrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(MASK)
  }
  return out
}
