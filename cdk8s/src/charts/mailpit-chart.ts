import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { DevMailpit } from '../constructs/dev-mailpit.js';
import { NAMESPACE } from '../names.js';

/** Props of {@link MailpitChart}. */
export interface MailpitChartProps {
  /** Pinned Mailpit image. */
  readonly image: string;
}

/** The dev environment's SMTP server and inbox (`mailpit.k8s.yaml`; no such file in prod). */
export class MailpitChart extends Chart {
  constructor(scope: Construct, id: string, props: MailpitChartProps) {
    super(scope, id, { namespace: NAMESPACE });
    new DevMailpit(this, 'mailpit', { image: props.image });
  }
}
