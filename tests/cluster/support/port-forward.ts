import { type ChildProcess, spawn } from 'node:child_process';

/** A running `kubectl port-forward` to a Service, on a free loopback port of this machine. */
export interface PortForward {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts `kubectl port-forward svc/<service> :<port>` (kubectl picks a free local port, on
 * 127.0.0.1 only) and resolves once it forwards, i.e. once kubectl prints the port it chose.
 * Traffic goes from loopback through the API server and the kubelet into the pod's own network
 * namespace: nothing here ever sends a packet to a pod or Service address.
 */
export function portForward(
  kubectl: string,
  kubeconfig: string,
  namespace: string,
  service: string,
  remotePort: number,
  timeoutMs = 60_000,
): Promise<PortForward> {
  const child: ChildProcess = spawn(
    kubectl,
    [
      `--kubeconfig=${kubeconfig}`,
      '-n',
      namespace,
      'port-forward',
      '--address=127.0.0.1',
      `svc/${service}`,
      `:${remotePort}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `port-forward to ${namespace}/${service} not ready after ${timeoutMs} ms: ${output}`,
        ),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      const port = Number(match[1]);
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`port-forward to ${namespace}/${service} exited (${code}): ${output}`));
    });
  });
}
