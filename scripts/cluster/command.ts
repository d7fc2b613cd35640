import { spawn } from 'node:child_process';

/** Options of {@link runCommand}. */
export interface CommandOptions {
  readonly cwd?: string;
  /** Merged over `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin, which is closed afterwards. */
  readonly input?: string | Buffer;
  /** Also copy the command's output to ours as it comes (long builds show progress). */
  readonly echo?: boolean;
  /** Kill the command after this many milliseconds. @default no limit */
  readonly timeoutMs?: number;
}

/** What a command that succeeded printed. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Thrown when a command exits with a status other than 0; carries the end of its output. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const tail = (stderr.trim() || stdout.trim()).split('\n').slice(-25).join('\n');
    super(`\`${command}\` failed (${status === null ? 'killed' : `exit ${status}`}):\n${tail}`);
    this.name = 'CommandError';
  }
}

/**
 * Runs a command to completion without a shell (arguments are never re-parsed) and returns its
 * output; rejects with a {@link CommandError} naming the command and the end of its output.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  const shown = [command, ...args].join(' ');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => {
      out.push(chunk);
      if (options.echo) process.stdout.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err.push(chunk);
      if (options.echo) process.stderr.write(chunk);
    });
    child.once('error', (error) =>
      reject(new CommandError(shown, null, '', `${(error as Error).message}`)),
    );
    child.once('close', (status) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (status === 0) resolvePromise({ stdout, stderr });
      else reject(new CommandError(shown, status, stdout, stderr));
    });
    if (child.stdin) {
      // A command may exit without reading its input; that is its exit status's to report.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** True when `command` is found on the PATH. */
export async function hasCommand(command: string): Promise<boolean> {
  try {
    await runCommand('sh', ['-c', `command -v "$0"`, command]);
    return true;
  } catch {
    return false;
  }
}
