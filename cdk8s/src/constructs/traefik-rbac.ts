import { Construct } from 'constructs';
import {
  ClusterRole,
  ClusterRoleBinding,
  type IPolicyRule,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { addClusterModel, addModel } from '../lib/add-model.js';

/** Props of {@link TraefikRbac}. */
export interface TraefikRbacProps {
  /** Name of the ServiceAccount (and of the roles and bindings). */
  readonly name: string;
  /** Namespace of the ServiceAccount: where Traefik runs. */
  readonly serviceAccountNamespace: string;
  /** The one namespace whose Ingresses Traefik serves (its `watchNamespace`). */
  readonly watchNamespace: string;
  /** Labels of every object made. */
  readonly labels: Record<string, string>;
}

/** Only the informers' verbs: the provider reads through list/watch caches and never `get`s. */
const READ = ['list', 'watch'];

/**
 * What Traefik v3.6's Kubernetes Ingress NGINX provider reads, per
 * `pkg/provider/kubernetes/ingress-nginx/client.go` (`WatchAll`): in each watched namespace an
 * informer on Ingresses, Services, EndpointSlices and Secrets (TLS and basic-auth Secrets; the
 * informer starts whether or not an Ingress names one, and without the permission its cache never
 * syncs and no route is ever served).
 *
 * No `ingresses/status` update (it writes status only with `publishService` or
 * `publishStatusAddress`, which we leave unset), no nodes, no namespaces (listed only with
 * `watchNamespaceSelector`), no events, no leases.
 */
export const WATCHED_NAMESPACE_RULES: readonly IPolicyRule[] = [
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ },
  { apiGroups: [''], resources: ['services', 'secrets'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
];

/**
 * The one cluster-scoped read: IngressClasses. Without it the provider silently ignores every
 * Ingress that names its class by `ingressClassName` (it then matches only the legacy
 * `kubernetes.io/ingress.class` annotation, which ours do not carry).
 */
export const CLUSTER_RULES: readonly IPolicyRule[] = [
  { apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'], verbs: READ },
];

/**
 * Least-privilege RBAC of Traefik's Kubernetes Ingress NGINX provider watching one namespace: a
 * ClusterRole for IngressClasses only and a Role (with its RoleBinding) in the watched namespace
 * for the rest, rather than cluster-wide reads of every Secret as ingress-nginx's chart grants.
 * What remains is inherent to the provider: it can read every Secret of the watched namespace.
 */
export class TraefikRbac extends Construct {
  constructor(scope: Construct, id: string, props: TraefikRbacProps) {
    super(scope, id);
    const { name, labels, watchNamespace } = props;
    const subjects = [{ kind: 'ServiceAccount', name, namespace: props.serviceAccountNamespace }];
    const roleRef = (kind: 'ClusterRole' | 'Role') => ({
      apiGroup: 'rbac.authorization.k8s.io',
      kind,
      name,
    });
    addClusterModel(
      this,
      new ClusterRole({ metadata: { name, labels }, rules: [...CLUSTER_RULES] }),
    );
    addClusterModel(
      this,
      new ClusterRoleBinding({
        metadata: { name, labels },
        roleRef: roleRef('ClusterRole'),
        subjects,
      }),
    );
    const metadata = { name, namespace: watchNamespace, labels };
    addModel(this, new Role({ metadata, rules: [...WATCHED_NAMESPACE_RULES] }));
    addModel(this, new RoleBinding({ metadata, roleRef: roleRef('Role'), subjects }));
  }
}
