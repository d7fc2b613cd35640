import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Namespace } from 'kubernetes-models/v1';
import { addModel } from '../lib/add-model.js';
import { restrictedNamespaceLabels } from '../lib/pod-security-labels.js';
import { LABEL_PART_OF, NAMESPACE } from '../names.js';

/**
 * The `shardgate` namespace, with Pod Security admission enforcing the "restricted" profile, so
 * the cluster itself refuses any pod of ours that the manifest tests would have refused.
 */
export class NamespaceChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    addModel(
      this,
      new Namespace({
        metadata: {
          name: NAMESPACE,
          labels: {
            [LABEL_PART_OF]: 'shardgate',
            ...restrictedNamespaceLabels(),
          },
        },
      }),
    );
  }
}
