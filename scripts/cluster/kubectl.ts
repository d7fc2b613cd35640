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
