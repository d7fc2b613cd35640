import { spawn } from 'node:child_process';

/** A command to run as the unprivileged user when we are root, as ourselves otherwise. */
export interface CommandOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Run as this user (via `runuser`) when the current process is root. */
  readonly asUserWhenRoot?: string;
}

/** True when this process runs as root. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Wraps a command in `runuser -u <user> --` when we are root and a user is asked for. */
export function commandLine(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): [string, string[]] {
  if (options.asUserWhenRoot && isRoot()) {
    return ['runuser', ['-u', options.asUserWhenRoot, '--', command, ...args]];
  }
  return [command, [...args]];
}

/**
 * Runs a command to completion and returns its output; rejects with the output in the message
 * when it exits non-zero, so a failing `initdb` or `nginx -t` explains itself.
 */
export function run(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<string> {
  const [cmd, argv] = commandLine(command, args, options);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) => reject(new Error(`${command}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.trim()}`));
    });
  });
}
