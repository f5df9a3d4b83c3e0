// Runs the real safe-npm binary (and the real npm, for comparisons) as child
// processes: arguments as an array, never through a shell.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * `safe-npm ...args` without a process: the built CLI's `main(argv, io)`
 * (dist/, the code bin/safe-npm.js runs) called in this process with an Io of
 * `options.cwd` and `options.env` whose output is captured, redacted as the
 * binary's. Same RunResult as runSafeNpm: `code` is what main returns, which
 * bin/safe-npm.js would make the exit code.
 *
 * Use it where the process boundary is not what a test is about: it saves a
 * Node start and the CLI's imports on every run. What it cannot show is what
 * only a process has — a real exit, signals, stdin, real stdout/stderr
 * streams (npm commands handed to npm and install scripts write to the
 * process's own stdio, and scripts inherit the process environment, not
 * `options.env`) — and output redaction of secrets from earlier runs in the
 * same process: keep those tests on runSafeNpm.
 *
 * Runs are one at a time per process (npm's libraries log through process
 * events, which one run listens to at a time); `timeoutMs` only stops waiting.
 *
 * A test that ran an install script (or policy code) in-process by mistake
 * would see its marker written elsewhere and pass for the wrong reason: so the
 * first in-process run points this process's SAFE_NPM_TEST_MARKER_DIR (what
 * such code inherits; isolatedEnv never passes it on) at a directory of its
 * own, and a run after which a marker is found there throws.
 */
export function runSafeNpmInProcess(args: string[], options: RunOptions): Promise<RunResult> {
  const run = inProcessQueue.then(() => runMainOnce(args, options));
  inProcessQueue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

let inProcessQueue: Promise<void> = Promise.resolve();

let strayMarkerDir: string | undefined;

/** Where code that runs with this process's environment during an in-process run leaves its markers. */
function strayMarkers(): string {
  if (strayMarkerDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'safe-npm-in-process-markers-'));
    strayMarkerDir = dir;
    // Set once, before the first run, and never changed: nothing reads it but what a run starts by mistake.
    process.env.SAFE_NPM_TEST_MARKER_DIR = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return strayMarkerDir;
}

/** Throws when code that an in-process run started left a marker (see runSafeNpmInProcess). */
function assertNoStrayMarkers(dir: string, args: string[]): void {
  const found = readdirSync(dir);
  if (found.length === 0) return;
  for (const name of found) rmSync(join(dir, name), { recursive: true, force: true });
  throw new Error(
    `runSafeNpmInProcess: safe-npm ${args.join(' ')} ran code that wrote ${found.join(', ')} with the test process's environment ` +
      '(an install script or policy code): run this test with the binary (runSafeNpm, runner "binary"), where it gets its own environment',
  );
}

interface BuiltCli {
  main(argv: string[], io: unknown): Promise<number>;
  redacting(stream: { write(text: string): unknown }): { write(text: string): void };
}

let builtCli: Promise<BuiltCli> | undefined;

function loadBuiltCli(): Promise<BuiltCli> {
  builtCli ??= (async () => {
    const mainUrl = new URL('../../dist/lib/cli/main.js', import.meta.url);
    const ioUrl = new URL('../../dist/lib/cli/io.js', import.meta.url);
    try {
      const [{ main }, { redacting }] = await Promise.all([import(mainUrl.href), import(ioUrl.href)]);
      return { main, redacting };
    } catch (error) {
      throw new Error(`runSafeNpmInProcess: cannot load ${fileURLToPath(mainUrl)} (run npm run build first): ${(error as Error).message}`, { cause: error });
    }
  })();
  return builtCli;
}

async function runMainOnce(args: string[], options: RunOptions): Promise<RunResult> {
  if (options.input) throw new Error('runSafeNpmInProcess: no stdin in-process; use runSafeNpm to write to stdin');
  const { main, redacting } = await loadBuiltCli();
  const markers = strayMarkers();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = {
    cwd: options.cwd,
    // A copy: nothing a run sets in its environment reaches the next run.
    env: { ...options.env },
    stdout: redacting({ write: (text: string) => stdout.push(text) }),
    stderr: redacting({ write: (text: string) => stderr.push(text) }),
    // What the binary sees with its output on pipes, as runSafeNpm runs it.
    stdoutIsTTY: false,
    stderrIsTTY: false,
    invokedAs: 'safe-npm.js',
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  });
  let code: number;
  let hasTimedOut = false;
  try {
    const outcome = await Promise.race([main(args, io), timedOut]);
    if (outcome === 'timed out') {
      hasTimedOut = true;
      code = 128 + constants.signals.SIGKILL;
    } else {
      code = outcome;
    }
  } catch (error) {
    // What node prints for a rejection bin/safe-npm.js does not catch, and its exit code.
    stderr.push(`${(error as Error)?.stack ?? String(error)}\n`);
    code = 1;
  } finally {
    clearTimeout(timer);
  }
  assertNoStrayMarkers(markers, args);
  return { code, stdout: stdout.join(''), stderr: stderr.join(''), signal: hasTimedOut ? 'SIGKILL' : null, timedOut: hasTimedOut };
}
