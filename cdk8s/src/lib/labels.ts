import { LABEL_COMPONENT, LABEL_NAME, LABEL_PART_OF } from '../names.js';

/** Selector labels of one kind of pod: `app.kubernetes.io/name` and `.../component`. */
export function selectorLabels(name: string, component: string): Record<string, string> {
  return { [LABEL_NAME]: name, [LABEL_COMPONENT]: component };
}

/** Labels of every object the app creates (the selector labels plus `part-of`). */
export function objectLabels(name: string, component: string): Record<string, string> {
  return { ...selectorLabels(name, component), [LABEL_PART_OF]: 'shardgate' };
}
