import { describe, expect, it } from 'vitest';
import {
  type CpuProfile,
  classifyUrl,
  frameTree,
  heaviestFrames,
  selfTimeByUnit,
} from '../../bench/lib/cpu-profile.js';
import { escapeXml, renderFlameGraph, wrapText } from '../../bench/lib/flame-graph.js';

/**
 * The benchmark's profile rendering (bench/lib/cpu-profile.ts, bench/lib/flame-graph.ts): a V8
 * `.cpuprofile` becomes a call tree of busy time, a table by unit, and an SVG flame graph.
 */

const ROOT = '/repo';
const frame = (functionName: string, url: string, lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

/**
 * root ─┬─ (idle)
 *       ├─ (garbage collector)
 *       └─ handle (ours) ─┬─ query (pg) ── _writeGeneric (node:net) ── writev (native)
 *                         └─ <lambda> (node:net)
 * Samples, each worth the time to the next one: idle 5000 µs, GC 300, handle 200, writev 1000,
 * node:net 500.
 */
const PROFILE: CpuProfile = {
  startTime: 0,
  endTime: 10_000,
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4] },
    { id: 2, callFrame: frame('(idle)', '') },
    { id: 3, callFrame: frame('(garbage collector)', '') },
    {
      id: 4,
      callFrame: frame('handle', `file://${ROOT}/services/api/dist/app.js`, 9),
      children: [5, 7],
    },
    {
      id: 5,
      callFrame: frame('query', `${ROOT}/node_modules/pg/lib/client.js`, 666),
      children: [8],
    },
    { id: 8, callFrame: frame('_writeGeneric', 'node:net'), children: [6] },
    { id: 6, callFrame: frame('writev', '') },
    { id: 7, callFrame: frame('<lambda>', 'node:net') },
  ],
  samples: [2, 3, 4, 6, 7, 2],
  timeDeltas: [0, 5000, 300, 200, 1000, 500],
};

describe('classifyUrl', () => {
  it('tells our code, dependencies (scoped too), Node and native frames apart', () => {
    expect(classifyUrl('file:///repo/services/api/dist/app.js')).toEqual({
      kind: 'ours',
      unit: 'ours',
    });
    expect(classifyUrl('/repo/node_modules/pg/lib/client.js').unit).toBe('pg');
    expect(classifyUrl('file:///repo/node_modules/@koa/router/dist/index.mjs').unit).toBe(
      '@koa/router',
    );
    expect(classifyUrl('/repo/node_modules/a/node_modules/b/x.js').unit).toBe('b');
    expect(classifyUrl('node:internal/streams/readable')).toEqual({
      kind: 'node',
      unit: 'node:internal/streams/readable',
    });
    expect(classifyUrl('').kind).toBe('native');
  });
});

describe('frameTree', () => {
  const tree = frameTree(PROFILE, ROOT);

  it('counts busy time only: the event loop waiting is left out', () => {
    expect(tree.totalUs).toBe(300 + 200 + 1000 + 500);
    expect(tree.children.map((c) => c.name)).toEqual(['handle', '(garbage collector)']);
  });

  it('gives each frame its own time and, as total, its own plus its callees', () => {
    const handle = tree.children[0];
    expect(handle).toMatchObject({ name: 'handle', selfUs: 200, totalUs: 1700 });
    expect(handle?.location).toBe('services/api/dist/app.js:10');
    expect(handle?.children.map((c) => [c.name, c.totalUs])).toEqual([
      ['query', 1000],
      ['<lambda>', 500],
    ]);
    expect(handle?.children[0]?.children[0]?.children[0]).toMatchObject({
      name: 'writev',
      kind: 'native',
      selfUs: 1000,
    });
  });

  it('merges frames of the same name and place under the same caller', () => {
    const twice: CpuProfile = {
      ...PROFILE,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
        { id: 2, callFrame: frame('f', 'node:a') },
        { id: 3, callFrame: frame('f', 'node:a') },
      ],
      samples: [2, 3, 2],
      timeDeltas: [0, 100, 50],
    };
    const merged = frameTree(twice);
    expect(merged.children).toHaveLength(1);
    expect(merged.children[0]?.totalUs).toBe(150);
  });
});

describe('frameTree over a window of the clock', () => {
  it('keeps only the samples stamped inside it (startTime plus the deltas so far)', () => {
    // samples at 0 (idle), 5000 (GC), 5300 (handle), 5500 (writev), 6500 (<lambda>), 7000 (idle)
    const tree = frameTree(PROFILE, ROOT, { fromUs: 5300, toUs: 6500 });
    expect(tree.totalUs).toBe(200 + 1000);
    expect(tree.children.map((c) => c.name)).toEqual(['handle']);
  });
});

describe('selfTimeByUnit', () => {
  it("puts a native frame's time on the code that asked for it, past Node's plumbing", () => {
    const units = selfTimeByUnit(frameTree(PROFILE, ROOT));
    expect(units.map((u) => [u.unit, u.us])).toEqual([
      ['pg (native: writev)', 1000],
      ['node:net', 500],
      ['(garbage collector)', 300],
      ['services/api/dist/app.js', 200],
    ]);
    expect(units[0]?.share).toBeCloseTo(0.5);
  });
});

describe('heaviestFrames', () => {
  it("sums a frame's self time over its callers, busiest first, at most `count`", () => {
    const twoCallers: CpuProfile = {
      ...PROFILE,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
        { id: 2, callFrame: frame('a', 'node:a'), children: [4] },
        { id: 3, callFrame: frame('b', 'node:b'), children: [5] },
        { id: 4, callFrame: frame('leaf', 'node:c') },
        { id: 5, callFrame: frame('leaf', 'node:c') },
      ],
      samples: [2, 4, 5, 3, 2],
      timeDeltas: [0, 10, 300, 200, 40, 0],
    };
    const top = heaviestFrames(frameTree(twoCallers), 2);
    expect(top.map(({ frame: f, us }) => [f.name, us])).toEqual([
      ['leaf', 500],
      ['b', 40],
    ]);
  });
});

describe('renderFlameGraph', () => {
  const tree = frameTree(PROFILE, ROOT);

  it('draws a box per frame, as wide as its share, with its time in the tooltip', () => {
    const svg = renderFlameGraph(tree, { title: 'api <mix>', width: 220 });
    // 200 px of plot: handle is 1700 of 2000 µs
    const handle =
      /<title>handle services\/api\/dist\/app\.js:10: 1\.7 ms, 85\.00 %[^<]*<\/title><rect x="10\.00" y="\d+" width="([\d.]+)"/.exec(
        svg,
      );
    expect(Number(handle?.[1])).toBeCloseTo(170 - 0.5, 1);
    expect(svg.match(/<rect x=/g)).toHaveLength(7); // all, handle, query, _writeGeneric, writev, <lambda>, GC
    expect(svg).toContain('api &lt;mix&gt;');
    expect(svg).toContain('&lt;lambda&gt; node:net:1');
  });

  it('stacks callees above their callers and inside their span', () => {
    const svg = renderFlameGraph(tree, { title: 't', width: 220 });
    const box = (name: string) => {
      const m = new RegExp(
        `<title>${escapeXml(name)}[^<]*</title><rect x="([\\d.]+)" y="(\\d+)" width="([\\d.]+)"`,
      ).exec(svg);
      return { x: Number(m?.[1]), y: Number(m?.[2]), w: Number(m?.[3]) };
    };
    const handle = box('handle');
    const query = box('query');
    const lambda = box('<lambda>');
    expect(query.y).toBeLessThan(handle.y);
    expect(query.x).toBeGreaterThanOrEqual(handle.x);
    expect(lambda.x + lambda.w).toBeLessThanOrEqual(handle.x + handle.w);
    expect(lambda.x).toBeGreaterThan(query.x);
  });

  it('leaves out frames too narrow to see, with their callees', () => {
    const svg = renderFlameGraph(tree, { title: 't', width: 220, minWidthPx: 60 });
    // at 0.1 px/µs only frames of 600 µs and more stay: all, handle, query, _writeGeneric, writev
    expect(svg.match(/<rect x=/g)).toHaveLength(5);
    expect(svg).not.toContain('garbage collector');
  });

  it('draws an empty graph for a profile with no busy time', () => {
    const idle = frameTree({ ...PROFILE, samples: [2, 2], timeDeltas: [0, 10] });
    expect(idle.totalUs).toBe(0);
    expect(renderFlameGraph(idle, { title: 'idle' })).not.toContain('<rect x=');
  });
});

describe('escapeXml', () => {
  it('escapes markup and replaces the characters XML forbids', () => {
    expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
    expect(escapeXml('RegExp: \u0001x\ty')).toBe('RegExp: \ufffdx\ty');
  });
});

describe('wrapText', () => {
  it('breaks at spaces within the width, and keeps a longer word whole', () => {
    expect(wrapText('a bb ccc dddd', 6)).toEqual(['a bb', 'ccc', 'dddd']);
    expect(wrapText('--cpu-prof-dir=/a/very/long/path x', 10)).toEqual([
      '--cpu-prof-dir=/a/very/long/path',
      'x',
    ]);
    expect(wrapText('', 10)).toEqual([]);
  });
});
