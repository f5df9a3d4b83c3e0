// Runs the real safe-npm binary (and the real npm, for comparisons) as child
// processes: arguments as an array, never through a shell.

import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

export const safeNpmBin: string = fileURLToPath(new URL('../../bin/safe-npm.js', import.meta.url));

export const DEFAULT_TIMEOUT_MS = 120_000;

export interface RunOptions {
  cwd: string;
  /** The complete environment of the child (not merged with process.env); see isolatedEnv. */
  env: NodeJS.ProcessEnv;
  /** Written to stdin; stdin is closed either way, so a prompt can never hang a test. */
  input?: string;
  /** Kill (SIGKILL) after this long; default 120 s. */
  timeoutMs?: number;
}

export interface RunResult {
  /** Exit code; 128 + signal number when the process died of a signal (137 after the time-out kill). */
  code: number;
  stdout: string;
  stderr: string;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {
      // The child may exit before reading its input (EPIPE); that is its business.
    });
    child.stdin.end(options.input ?? '');
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        signal,
        timedOut,
      });
    });
  });
}

/** `node <repo>/bin/safe-npm.js ...args`, with the node running the tests. */
export function runSafeNpm(args: string[], options: RunOptions): Promise<RunResult> {
  return run(process.execPath, [safeNpmBin, ...args], options);
}

/** The real `npm` found on the PATH of `options.env`. */
export function runNpm(args: string[], options: RunOptions): Promise<RunResult> {
  return run('npm', args, options);
}

/** Whether util-linux `script` (a pseudo-terminal for runSafeNpmOnTerminal) is on this machine. */
export function hasTerminalRunner(): boolean {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * `node <repo>/bin/safe-npm.js ...args` on a pseudo-terminal (util-linux
 * `script`), so stdin, stdout and stderr are all a TTY; everything the
 * terminal shows is in `output`. Each answer is typed once its prompt has
 * appeared (in what came after the previous answer).
 */
export function runSafeNpmOnTerminal(
  args: string[],
  options: Omit<RunOptions, 'input'> & { answers?: Array<[RegExp, string]> },
): Promise<{ status: number | null; output: string }> {
  const command = [process.execPath, safeNpmBin, ...args].map((word) => `'${word}'`).join(' ');
  const answers = options.answers ?? [];
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    let next = 0;
    let answeredAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      while (next < answers.length && answers[next][0].test(output.slice(answeredAt))) {
        answeredAt = output.length;
        child.stdin.write(`${answers[next][1]}\n`);
        next++;
      }
    });
    child.stdin.on('error', () => {
      // script may exit before reading what is left
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}
