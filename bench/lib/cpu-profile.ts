/**
 * V8's CPU profiles (the `.cpuprofile` files `node --cpu-prof` writes) turned into a call tree
 * with the time of each frame, for flame graphs (flame-graph.ts) and "where the CPU went" tables.
 *
 * V8 samples the thread every interval whether or not it is running, so a sample inside a system
 * call includes any time the thread waited there; samples of the event loop waiting for work are
 * `(idle)` and are left out here. `perf` counts on-CPU time instead (docs/benchmarks.md).
 */

/** A frame as V8 records it; `lineNumber` and `columnNumber` count from 0. */
export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

/** One node of V8's call tree. */
export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

/** The parts of a `.cpuprofile` read here. */
export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  /** µs, on the process's monotonic clock. */
  readonly startTime: number;
  readonly endTime: number;
  /** The node on top of the stack at each sample. */
  readonly samples: readonly number[];
  /** µs between a sample and the one before it. */
  readonly timeDeltas: readonly number[];
}

/**
 * Where a frame's code lives: this repository (`ours`), a dependency in `node_modules`, Node's
 * own JavaScript (`node:`), or neither (`native`: V8's builtins, C++ bindings, the collector).
 */
export type FrameKind = 'ours' | 'dependency' | 'node' | 'native';

/** A frame of the call tree with the time spent in it (`selfUs`) and in it and below (`totalUs`). */
export interface FrameNode {
  readonly name: string;
  /** `path:line` (repository-relative for our code), or `''` for native frames. */
  readonly location: string;
  readonly kind: FrameKind;
  /** The dependency's name, `node:…`, our file or `native`: the unit of the summary tables. */
  readonly unit: string;
  selfUs: number;
  totalUs: number;
  readonly children: FrameNode[];
}

/** V8's pseudo-frames that are not code: the event loop waiting, and the tree's root. */
const IDLE = '(idle)';
const ROOT = '(root)';

/** The kind and unit of a script URL. */
export function classifyUrl(url: string): { kind: FrameKind; unit: string } {
  if (url === '') return { kind: 'native', unit: 'native' };
  if (url.startsWith('node:')) return { kind: 'node', unit: url };
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
    return { kind: 'dependency', unit: name };
  }
  return { kind: 'ours', unit: 'ours' };
}

/** A script URL as shown: `file://` and everything up to `repoRoot` removed. */
function shortUrl(url: string, repoRoot: string): string {
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  if (repoRoot !== '' && path.startsWith(`${repoRoot}/`)) return path.slice(repoRoot.length + 1);
  const modules = path.lastIndexOf('/node_modules/');
  return modules >= 0 ? path.slice(modules + 1) : path;
}

function frameOf(callFrame: CallFrame, repoRoot: string): FrameNode {
  const { kind, unit } = classifyUrl(callFrame.url);
  const path = callFrame.url === '' ? '' : shortUrl(callFrame.url, repoRoot);
  return {
    name: callFrame.functionName || '(anonymous)',
    location: path === '' ? '' : `${path}:${callFrame.lineNumber + 1}`,
    kind,
    // our code by file: "ours" alone would say nothing
    unit: kind === 'ours' ? path : unit,
    selfUs: 0,
    totalUs: 0,
    children: [],
  };
}

/**
 * A span of the monotonic clock, µs: V8 stamps its samples with the same clock as
 * `process.hrtime()` (`CLOCK_MONOTONIC` on Linux), so another process on the machine can say which
 * samples to keep, such as a benchmark's measured phases rather than the service's start-up.
 */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Now on the clock of {@link ProfileWindow}. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * The busy time of a profile as a call tree whose root stands for all of it. Each sample counts
 * the time until the next one (the last counts none). Frames of the same name and location under
 * the same parent are one node; `(idle)` samples and samples outside `window` are dropped.
 * @param repoRoot absolute path of the repository, cut from our frames' locations
 */
export function frameTree(
  profile: CpuProfile,
  repoRoot = '',
  window: ProfileWindow = { fromUs: Number.NEGATIVE_INFINITY, toUs: Number.POSITIVE_INFINITY },
): FrameNode {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);

  const selfUs = new Map<number, number>();
  let sampledAt = profile.startTime;
  profile.samples.forEach((id, i) => {
    sampledAt += profile.timeDeltas[i] ?? 0;
    if (sampledAt < window.fromUs || sampledAt >= window.toUs) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });

  const root: FrameNode = {
    name: 'all',
    location: '',
    kind: 'native',
    unit: 'native',
    selfUs: 0,
    totalUs: 0,
    children: [],
  };
  for (const [id, us] of selfUs) {
    if (us <= 0) continue;
    const stack: CallFrame[] = [];
    for (let nodeId: number | undefined = id; nodeId !== undefined; nodeId = parentOf.get(nodeId)) {
      const node = byId.get(nodeId);
      if (node && node.callFrame.functionName !== ROOT) stack.push(node.callFrame);
    }
    if (stack[0]?.functionName === IDLE) continue;
    let frame = root;
    frame.totalUs += us;
    for (let i = stack.length - 1; i >= 0; i--) {
      const candidate = frameOf(stack[i] as CallFrame, repoRoot);
      let child = frame.children.find(
        (c) => c.name === candidate.name && c.location === candidate.location,
      );
      if (!child) {
        child = candidate;
        frame.children.push(child);
      }
      child.totalUs += us;
      frame = child;
    }
    frame.selfUs += us;
  }
  sortByTime(root);
  return root;
}

function sortByTime(frame: FrameNode): void {
  frame.children.sort((a, b) => b.totalUs - a.totalUs);
  for (const child of frame.children) sortByTime(child);
}

/** A line of {@link selfTimeByUnit}: µs of self time and its share of the busy time. */
export interface UnitTime {
  readonly unit: string;
  readonly us: number;
  readonly share: number;
}

/**
 * Self time per unit (dependency, Node module, our file), busiest first. A native frame's time (a
 * system call, a V8 builtin) goes to the code that asked for it, as `unit (native: name)`: the
 * nearest caller that is ours or a dependency, else the nearest in Node's own JavaScript. A socket
 * write then counts for whoever wrote (`pg (native: writev)`), not for Node's stream plumbing in
 * between. Native frames with no JavaScript caller (the collector, `(program)`) keep their name.
 */
export function selfTimeByUnit(root: FrameNode): UnitTime[] {
  const totals = new Map<string, number>();
  const visit = (frame: FrameNode, app: FrameNode | null, js: FrameNode | null) => {
    if (frame !== root && frame.selfUs > 0) {
      const caller = app ?? js;
      const unit =
        frame.kind !== 'native'
          ? frame.unit
          : caller
            ? `${caller.unit} (native: ${frame.name})`
            : frame.name;
      totals.set(unit, (totals.get(unit) ?? 0) + frame.selfUs);
    }
    const isApp = frame.kind === 'ours' || frame.kind === 'dependency';
    for (const child of frame.children)
      visit(child, isApp ? frame : app, frame.kind === 'native' ? js : frame);
  };
  visit(root, null, null);
  return [...totals]
    .map(([unit, us]) => ({ unit, us, share: root.totalUs > 0 ? us / root.totalUs : 0 }))
    .sort((a, b) => b.us - a.us);
}

/**
 * The `count` frames with the most self time, one line per name and location however many callers
 * it has, busiest first.
 */
export function heaviestFrames(
  root: FrameNode,
  count: number,
): Array<{ frame: FrameNode; us: number }> {
  const totals = new Map<string, { frame: FrameNode; us: number }>();
  const visit = (frame: FrameNode) => {
    if (frame !== root && frame.selfUs > 0) {
      const key = `${frame.name} ${frame.location}`;
      const entry = totals.get(key) ?? { frame, us: 0 };
      entry.us += frame.selfUs;
      totals.set(key, entry);
    }
    for (const child of frame.children) visit(child);
  };
  visit(root);
  return [...totals.values()].sort((a, b) => b.us - a.us).slice(0, count);
}
