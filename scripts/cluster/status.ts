import { isOurProcess } from '../stack/processes.js';
import type { ClusterLayout } from './layout.js';
import type { Component } from './node/components.js';
import { nodeNetnsExists } from './node/netns.js';
import { isHealthy, readProcessTable } from './node/supervisor.js';

/** One line of `status`. */
export interface ComponentStatus {
  readonly name: string;
  readonly pid: number | null;
  readonly state: 'healthy' | 'unhealthy' | 'stopped';
}

/** The state of every node process, by its recorded pid and its health check. */
export async function componentStatuses(
  layout: ClusterLayout,
  components: readonly Component[],
): Promise<ComponentStatus[]> {
  const table = readProcessTable(layout);
  const statuses: ComponentStatus[] = [];
  for (const component of components) {
    const entry = table[component.name];
    const alive = entry !== undefined && isOurProcess(entry.pid, entry.marker) && nodeNetnsExists();
    statuses.push({
      name: component.name,
      pid: alive ? entry.pid : null,
      state: alive ? ((await isHealthy(component)) ? 'healthy' : 'unhealthy') : 'stopped',
    });
  }
  return statuses;
}

/** A fixed-width table of statuses. */
export function formatStatuses(statuses: readonly ComponentStatus[]): string {
  const width = Math.max(...statuses.map((s) => s.name.length));
  return statuses
    .map((s) => `${s.name.padEnd(width)}  ${String(s.pid ?? '-').padStart(7)}  ${s.state}`)
    .join('\n');
}
