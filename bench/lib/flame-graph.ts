import type { FrameKind, FrameNode } from './cpu-profile.js';

/**
 * A flame graph of a call tree (cpu-profile.ts) as a self-contained SVG: one box per frame, as
 * wide as its share of the busy time, callers below their callees, the root at the bottom. Each
 * box's tooltip (`<title>`) names the frame, where it lives and its time. Colours tell whose code
 * it is: ours blue, dependencies orange, Node's JavaScript green, native code grey.
 */

/** How the graph is drawn. */
export interface FlameGraphOptions {
  readonly title: string;
  /** Lines under the title: what was profiled, when, how. */
  readonly subtitle?: readonly string[];
  /** @default 1200 */
  readonly width?: number;
  /** Frames narrower than this many pixels are left out, with everything above them. @default 0.3 */
  readonly minWidthPx?: number;
}

const ROW = 17;
const TITLE = 30;
const SUBTITLE_LINE = 15;
const MARGIN = 10;
const FONT_PX = 11;
/** Rough width of a character of the 11 px monospace font, to fit labels in their boxes. */
const CHAR_PX = 6.6;

/** The hues of each kind of code: a range each, so neighbouring frames stay apart. */
const PALETTE: Record<FrameKind, { hue: number; spread: number; sat: number; light: number }> = {
  ours: { hue: 210, spread: 25, sat: 65, light: 62 },
  dependency: { hue: 28, spread: 22, sat: 85, light: 60 },
  node: { hue: 105, spread: 30, sat: 45, light: 55 },
  native: { hue: 0, spread: 0, sat: 0, light: 72 },
};

/** Deterministic 0..1 from a string, so a frame keeps its shade from one graph to the next. */
function shade(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 0xffffffff;
}

function colour(frame: FrameNode): string {
  const p = PALETTE[frame.kind];
  const hue = Math.round(p.hue + (shade(frame.name) - 0.5) * p.spread);
  return `hsl(${hue},${p.sat}%,${p.light}%)`;
}

/**
 * Text for SVG content and attribute values. Characters XML forbids (control characters, which a
 * frame named after a regular expression may hold) become U+FFFD.
 */
export function escapeXml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

/** A label cut to fit `px` pixels, or nothing when fewer than three characters fit. */
function fitLabel(label: string, px: number): string {
  const chars = Math.floor((px - 6) / CHAR_PX);
  if (chars < 3) return '';
  return label.length <= chars ? label : `${label.slice(0, chars - 2)}..`;
}

/** `text` broken at spaces into lines of at most `chars` characters (a longer word stays whole). */
export function wrapText(text: string, chars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > chars) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function depthOf(frame: FrameNode, minUs: number): number {
  let deepest = 0;
  for (const child of frame.children)
    if (child.totalUs >= minUs) deepest = Math.max(deepest, depthOf(child, minUs));
  return deepest + 1;
}

/** The SVG of `root`'s flame graph. */
export function renderFlameGraph(root: FrameNode, options: FlameGraphOptions): string {
  const width = options.width ?? 1200;
  const plotWidth = width - 2 * MARGIN;
  const pxPerUs = root.totalUs > 0 ? plotWidth / root.totalUs : 0;
  const minUs = pxPerUs > 0 ? (options.minWidthPx ?? 0.3) / pxPerUs : Number.POSITIVE_INFINITY;
  const rows = root.totalUs > 0 ? depthOf(root, minUs) : 0;
  const subtitle = (options.subtitle ?? []).flatMap((line) =>
    wrapText(line, Math.floor(plotWidth / CHAR_PX)),
  );
  const header = TITLE + subtitle.length * SUBTITLE_LINE + 10;
  const height = header + rows * ROW + MARGIN;
  const boxes: string[] = [];

  const draw = (frame: FrameNode, xUs: number, depth: number) => {
    const x = MARGIN + xUs * pxPerUs;
    const w = frame.totalUs * pxPerUs;
    const y = height - MARGIN - (depth + 1) * ROW;
    const ms = frame.totalUs / 1000;
    const share = (100 * frame.totalUs) / root.totalUs;
    const label = frame.location ? `${frame.name} ${frame.location}` : frame.name;
    const tip = `${label}: ${ms.toFixed(1)} ms, ${share.toFixed(2)} % (self ${(frame.selfUs / 1000).toFixed(1)} ms)`;
    const text = fitLabel(frame.name, w);
    boxes.push(
      `<g><title>${escapeXml(tip)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${Math.max(w - 0.5, 0.1).toFixed(2)}" height="${ROW - 1}" fill="${colour(frame)}" rx="1"/>` +
        (text
          ? `<text x="${(x + 3).toFixed(2)}" y="${y + ROW - 5}">${escapeXml(text)}</text>`
          : '') +
        '</g>',
    );
    let childX = xUs;
    for (const child of frame.children) {
      if (child.totalUs >= minUs) draw(child, childX, depth + 1);
      childX += child.totalUs;
    }
  };
  if (root.totalUs > 0) draw(root, 0, 0);

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="${FONT_PX}">`,
    '<style>text{fill:#111;pointer-events:none}.sub{fill:#555}g:hover rect{stroke:#000;stroke-width:0.8}</style>',
    `<rect width="100%" height="100%" fill="#fdfdfd"/>`,
    `<text x="${MARGIN}" y="22" font-size="15">${escapeXml(options.title)}</text>`,
    ...subtitle.map(
      (line, i) =>
        `<text x="${MARGIN}" y="${TITLE + 10 + i * SUBTITLE_LINE}" class="sub">${escapeXml(line)}</text>`,
    ),
    ...boxes,
    '</svg>',
    '',
  ].join('\n');
}
