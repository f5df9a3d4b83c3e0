import { SafeNpmError } from '../errors.js'

/** A policy that cannot be read, is invalid, or loosens the organisation floor. Exit code 2. */
export class PolicyError extends SafeNpmError {
  constructor(message: string, code = 'EPOLICY') {
    super(message, code, 2)
  }
}
