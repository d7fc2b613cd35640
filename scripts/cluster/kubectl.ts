import { type CommandOptions, type CommandResult, runCommand } from './command.js';

/** Runs the cluster's own kubectl with a kubeconfig; the output is returned, errors carry it. */
export function kubectl(
  kubectlPath: string,
  kubeconfig: string,
  args: readonly string[],
  options?: CommandOptions,
): Promise<CommandResult> {
  return runCommand(kubectlPath, [`--kubeconfig=${kubeconfig}`, ...args], options);
}

/**
 * `kubectl apply -f <file>`. A Pod Security warning is an error: every manifest must satisfy its
 * namespace's level silently (a warning today is a refused pod once the level is enforced). Other
 * warnings are returned for the caller to show.
 */
export async function applyManifest(
  run: (args: readonly string[]) => Promise<CommandResult>,
  file: string,
): Promise<string[]> {
  const { stderr } = await run(['apply', '-f', file]);
  const warnings = stderr.split('\n').filter((line) => line.startsWith('Warning:'));
  const podSecurity = warnings.filter((line) => line.includes('PodSecurity'));
  if (podSecurity.length > 0) {
    throw new Error(`applying ${file} drew Pod Security warnings:\n${podSecurity.join('\n')}`);
  }
  return warnings;
}
