/** The image the node holds for Node.js pods (the services' base image). */
export const NODE_IMAGE = 'docker.io/library/node:24.22.3-bookworm-slim';

/** Settings of {@link restrictedPod}. */
export interface RestrictedPodProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** @default node that idles until SIGTERM */
  readonly command?: readonly string[];
  /** A container port to declare. @default none */
  readonly port?: number;
}

/** A command that keeps a Node container alive until it is told to stop. */
export const IDLE_NODE = [
  'node',
  '-e',
  "process.on('SIGTERM',()=>process.exit(0));setInterval(()=>{},1<<30)",
];

/**
 * A Pod of {@link NODE_IMAGE} that Pod Security "restricted" admits (shardgate's namespace
 * enforces it): non-root uid 1000, no privilege escalation, every capability dropped, the
 * runtime's seccomp profile, a read-only root file system, no service-account token. It never
 * restarts and is never pulled (the node holds the image).
 */
export function restrictedPod(props: RestrictedPodProps): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 5,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'main',
          image: NODE_IMAGE,
          imagePullPolicy: 'Never',
          command: props.command ?? IDLE_NODE,
          ...(props.port !== undefined
            ? { ports: [{ name: 'http', containerPort: props.port, protocol: 'TCP' }] }
            : {}),
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 1000,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          resources: {
            requests: { cpu: '10m', memory: '32Mi' },
            limits: { cpu: '500m', memory: '128Mi' },
          },
        },
      ],
    },
  };
}
