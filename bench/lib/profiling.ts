import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { StackLayout } from '../../scripts/stack/layout.js';
import { manifestNodeOptions } from '../../scripts/stack/manifest-node-options.js';
import { readState } from '../../scripts/stack/state.js';
import { fileTimestamp, resultsBase } from './context.js';
import {
  type CpuProfile,
  type FrameNode,
  frameTree,
  heaviestFrames,
  monotonicUs,
  type ProfileWindow,
  selfTimeByUnit,
} from './cpu-profile.js';
import { renderFlameGraph } from './flame-graph.js';
import { type MachineInfo, machineMarkdown } from './machine.js';
import { fmt, pct } from './stats.js';

/**
 * `bench/run.ts --profile <service>`: the service runs under V8's sampling profiler (`--cpu-prof`,
 * added to its pod's `NODE_OPTIONS`) and writes its profile when the stack stops; the driver then
 * renders the samples taken while the benchmarks ran (not the start-up, not the seeding) as a
 * flame graph and a table of where the time went: `bench/results/<start>-<service>-profile.svg`
 * and `.md` (`-profile-quick` for a `--quick` run). A profiled run is slower (V8 samples every
 * millisecond), so its figures are not the service's; its recorded command shows the profiler.
 */

/** Services the driver can profile. */
export const PROFILED_SERVICES = ['auth', 'api'] as const;
export type ProfiledService = (typeof PROFILED_SERVICES)[number];

/** What a rendered profile left in `bench/results/`. */
export interface RenderedProfile {
  readonly service: ProfiledService;
  readonly svg: string;
  readonly markdown: string;
}

/** One run's profiling, in the order the driver calls it. */
export class ServiceProfiling {
  readonly #layout: StackLayout;
  readonly #services: readonly ProfiledService[];
  readonly #startedAt: Date;
  /** A `--quick` run: its files get the `-quick` suffix, as the benchmarks' own do. */
  readonly #quick: boolean;
  readonly #dir: string;
  readonly #pids = new Map<ProfiledService, number>();
  /** Empty until {@link benchmarksStarting}. */
  #window: ProfileWindow = { fromUs: 0, toUs: 0 };

  /**
   * Adds the profiler to each service's `NODE_OPTIONS` (its `STACK_<SERVICE>_NODE_OPTIONS` if set,
   * else its pod's): call it before the command line is recorded and before the stack starts.
   * @throws when the bench stack is already running: `up` would reuse processes without the profiler
   */
  constructor(
    layout: StackLayout,
    services: readonly ProfiledService[],
    startedAt: Date,
    quick: boolean,
  ) {
    this.#layout = layout;
    this.#services = services;
    this.#startedAt = startedAt;
    this.#quick = quick;
    this.#dir = join(layout.dir, 'bench-work', 'profiles', fileTimestamp(startedAt));
    if (services.length === 0) return;
    const running = Object.keys(readState(layout));
    if (running.length > 0)
      throw new Error(
        `--profile needs the processes this run starts, but the ${layout.name} stack is running (${running.join(', ')}): stop it first`,
      );
    for (const service of services) {
      const variable = `STACK_${service.toUpperCase()}_NODE_OPTIONS`;
      mkdirSync(join(this.#dir, service), { recursive: true, mode: 0o700 });
      const base = process.env[variable] ?? manifestNodeOptions(layout.repoRoot, service);
      // relative to the services' working folder, the repository: the recorded command then names
      // no folder of this machine
      const dir = relative(layout.repoRoot, join(this.#dir, service));
      process.env[variable] = `${base} --cpu-prof --cpu-prof-dir=${dir}`;
    }
  }

  /** Once the stack is up: the services' pids, to tell their profiles from helpers'. */
  stackStarted(): void {
    const state = readState(this.#layout);
    for (const service of this.#services) {
      const pid = state[service]?.pid;
      if (pid !== undefined) this.#pids.set(service, pid);
    }
  }

  /** The benchmarks start: samples from now on count. */
  benchmarksStarting(): void {
    this.#window = { fromUs: monotonicUs(), toUs: Number.POSITIVE_INFINITY };
  }

  /** The benchmarks are done: later samples (the shutdown) do not count. */
  benchmarksDone(): void {
    this.#window = { ...this.#window, toUs: monotonicUs() };
  }

  /**
   * After the stack stopped (the services write their profiles as they exit): renders each
   * service's main thread. V8 names a profile `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`;
   * other processes that inherit the options (the seeding auth process, the auth service's
   * hashing process and its threads) write theirs to the same folder, where they stay unrendered.
   * @throws when a service left no profile (it did not exit cleanly)
   */
  render(command: string, machine: MachineInfo): RenderedProfile[] {
    const rendered: RenderedProfile[] = [];
    for (const [service, pid] of this.#pids) {
      const folder = join(this.#dir, service);
      const file = readdirSync(folder).find((name) => {
        const [, , , filePid, thread] = name.split('.');
        return filePid === String(pid) && thread === '0';
      });
      if (!file) throw new Error(`${service} (pid ${pid}) wrote no CPU profile to ${folder}`);
      const profile = JSON.parse(readFileSync(join(folder, file), 'utf8')) as CpuProfile;
      const tree = frameTree(profile, this.#layout.repoRoot, this.#window);
      const base = resultsBase(
        this.#layout.repoRoot,
        `${service}-profile`,
        this.#startedAt,
        this.#quick,
      );
      writeFileSync(
        `${base}.svg`,
        renderFlameGraph(tree, {
          title: `shardgate ${service} service: busy time by call stack while the benchmarks ran`,
          subtitle: [
            `${this.#startedAt.toISOString()} · ${machine.cpuModel}, ${machine.cores} cores · commit ${machine.gitCommit}`,
            command,
          ],
        }),
      );
      writeFileSync(
        `${base}.md`,
        profileMarkdown({
          service,
          command,
          tree,
          window: this.#window,
          svgName: basename(`${base}.svg`),
          source: relative(this.#layout.repoRoot, join(folder, file)),
          startedAt: this.#startedAt,
          machine,
        }),
      );
      rendered.push({ service, svg: `${base}.svg`, markdown: `${base}.md` });
    }
    return rendered;
  }
}

function profileMarkdown(p: {
  readonly service: ProfiledService;
  readonly command: string;
  readonly tree: FrameNode;
  readonly window: ProfileWindow;
  readonly svgName: string;
  /** The raw profile, repository-relative. */
  readonly source: string;
  readonly startedAt: Date;
  readonly machine: MachineInfo;
}): string {
  const { tree } = p;
  const ms = (us: number) => fmt(us / 1000, 0);
  const share = (us: number) => pct(us / tree.totalUs, 1);
  // a frame may be named after a regular expression, whose `|` would end a table cell
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const units = selfTimeByUnit(tree)
    .slice(0, 25)
    .map((u) => `| ${cell(u.unit)} | ${ms(u.us)} | ${share(u.us)} |`);
  const frames = heaviestFrames(tree, 20).map(
    ({ frame, us }) =>
      `| \`${cell(frame.name)}\` | ${frame.location ? `\`${frame.location}\`` : 'native'} | ${ms(us)} | ${share(us)} |`,
  );
  return `# CPU profile of the ${p.service} service

Run ${p.startedAt.toISOString()} (UTC), \`${p.command}\`. Flame graph: [${p.svgName}](./${p.svgName}).

The samples taken while the benchmarks ran (${ms(p.window.toUs - p.window.fromUs)} ms, warm-ups and
baselines included; the start-up, the seeding and the shutdown left out): ${ms(tree.totalUs)} ms
busy, the rest the event loop waiting. V8 samples the main thread every millisecond by the wall
clock, so a sample inside a system call includes any time the thread waited there to be
scheduled; V8's and libuv's other threads (concurrent marking, the thread pool) are not in it.
The run was slower for being profiled: its benchmark figures are not the service's.

## Self time by unit

A native frame's time (a system call, a V8 builtin) counts for the code that asked for it, as
\`unit (native: name)\`.

| unit | ms | share of busy time |
|---|---:|---:|
${units.join('\n')}

## Heaviest frames by self time

| frame | location | ms | share of busy time |
|---|---|---:|---:|
${frames.join('\n')}

Raw profile (git-ignored, loadable in Chrome DevTools' Performance panel): \`${p.source}\`.

## Machine

${machineMarkdown(p.machine)}
`;
}
