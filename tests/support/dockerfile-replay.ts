/**
 * Replays a Dockerfile without a container engine (none runs on the CI machines), so that a test
 * can check the image recipe itself: the same instructions, the same commands, in a clean copy.
 *
 * The approach: every stage gets a fresh, empty host folder standing for its `/`. Image paths are
 * rewritten onto it (`/app` of stage `build` → `<build root>/app`) by WORKDIR and COPY, which is
 * all the path handling a Dockerfile does itself. RUN commands run as written with `sh -c` in the
 * stage's WORKDIR with the stage's ENV and ARGs; they are not rewritten, so a RUN naming an absolute
 * image path is refused rather than silently run against the host. The base image's contents are
 * the host's own Node.js and tools: the FROM image must be `node:<major>…` with the host's major.
 *
 * Only the subset the project's Dockerfiles use is understood; anything else fails loudly, because
 * an interpreter that skipped an instruction would prove nothing.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, sep } from 'node:path';

/** A Dockerfile that cannot be replayed, or a step of it that failed. */
export class DockerfileReplayError extends Error {
  override readonly name = 'DockerfileReplayError';
}

/** One instruction: its keyword (upper case), its argument text and its line in the file. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** One `.dockerignore` rule. */
export interface IgnoreRule {
  readonly pattern: string;
  readonly regex: RegExp;
  /** A `!` rule: re-includes what earlier rules excluded. */
  readonly negated: boolean;
}

/** The final stage of a replayed build. */
export interface ReplayedImage {
  /** Host folder standing for the image's `/`. */
  readonly root: string;
  /** WORKDIR of the final stage, as an image path. */
  readonly workdir: string;
  /** CMD, exec form. */
  readonly cmd: readonly string[];
  /** ENV of the final stage (PATH included). */
  readonly env: Readonly<Record<string, string>>;
  /** USER of the final stage; undefined means root. */
  readonly user: string | undefined;
  readonly exposedPorts: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The FROM image of the final stage, after ARG substitution. */
  readonly baseImage: string;
  /** The host path of an image path of the final stage. */
  hostPath(imagePath: string): string;
}

/** Options of {@link replayDockerfile}. */
export interface ReplayOptions {
  readonly dockerfile: string;
  /** The build context folder (its `.dockerignore` applies). */
  readonly context: string;
  /** Folder under which the stage roots are created; the caller removes it. */
  readonly workDir: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Progress lines (one per instruction). */
  readonly log?: (line: string) => void;
}

/** PATH of the official node images. The host's node directory goes first for RUN. */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Host variables RUN gets besides the stage's own: where npm's cache and the registry are
 * (`HOME`, `npm_config_cache`, `npm_config_registry`) and proxies. A real build starts with an
 * empty cache and downloads the same tarballs, checked against the same lockfile integrity.
 */
const HOST_PLUMBING = [
  'HOME',
  'npm_config_cache',
  'npm_config_registry',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

/** What every instruction of one build may read: the context and the stages so far. */
interface Build {
  readonly context: string;
  readonly rules: readonly IgnoreRule[];
  readonly buildArgs: Readonly<Record<string, string>>;
  /** ARGs declared before the first FROM. */
  readonly globals: Record<string, string>;
  readonly stages: Map<string, Stage>;
  readonly workDir: string;
}

interface Stage {
  readonly name: string | undefined;
  readonly root: string;
  readonly baseImage: string;
  workdir: string;
  env: Record<string, string>;
  args: Record<string, string>;
  user: string | undefined;
  cmd: string[];
  exposedPorts: string[];
  labels: Record<string, string>;
}

/** Splits a Dockerfile into instructions: comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    // comment and blank lines end nothing: Docker skips them inside a continuation too
    if (line === '' || line.startsWith('#')) return;
    if (pending === '') startLine = index + 1;
    const continued = line.endsWith('\\');
    pending += `${continued ? line.slice(0, -1) : line} `;
    if (continued) return;
    const [keyword = '', ...rest] = pending.trim().split(/\s+/);
    const args = pending.trim().slice(keyword.length).trim();
    instructions.push({
      keyword: keyword.toUpperCase(),
      args: rest.length ? args : '',
      line: startLine,
    });
    pending = '';
  });
  if (pending !== '') throw new DockerfileReplayError('the Dockerfile ends inside a continuation');
  return instructions;
}

/** Turns a `.dockerignore` glob (`*`, `?`, `**`) into an anchored regular expression. */
function globToRegex(pattern: string): RegExp {
  if (/[[\\]/.test(pattern)) {
    throw new DockerfileReplayError(
      `.dockerignore: character classes and escapes unsupported: ${pattern}`,
    );
  }
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` is zero or more folders; a trailing `**` is anything
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Parses `.dockerignore` text with Docker's rules: comments, `!` exceptions, leading `/` dropped. */
export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negated = l.startsWith('!');
      const pattern = posix.normalize((negated ? l.slice(1) : l).trim()).replace(/^\/+|\/+$/g, '');
      return { pattern, regex: globToRegex(pattern), negated };
    });
}

/**
 * Whether `path` (relative to the context, `/`-separated) is left out of the context. As in
 * Docker, a rule matches a path or any of its parent folders, and the last matching rule wins.
 */
export function isIgnored(rules: readonly IgnoreRule[], path: string): boolean {
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.negated;
  }
  return ignored;
}

/** Replaces `$NAME` and `${NAME}`; an unknown name fails (Docker would substitute nothing). */
function substitute(text: string, vars: Readonly<Record<string, string>>, line: number): string {
  return text.replace(/\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced, bare) => {
    const name = (braced ?? bare) as string;
    const value = vars[name];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || value === undefined) {
      throw new DockerfileReplayError(`line ${line}: cannot substitute \${${name}}`);
    }
    return value;
  });
}

/** Splits on whitespace, keeping double-quoted parts together (quotes removed). */
function words(text: string): string[] {
  return [...text.matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map((m) => m[0].replace(/"/g, ''));
}

/** `KEY=value` pairs (ENV, LABEL); ENV's legacy `KEY value` form too. */
function pairs(text: string, line: number): Array<[string, string]> {
  const tokens = words(text);
  const first = tokens[0];
  if (first !== undefined && !first.includes('=')) return [[first, tokens.slice(1).join(' ')]];
  return tokens.map((token) => {
    const eq = token.indexOf('=');
    if (eq <= 0) throw new DockerfileReplayError(`line ${line}: expected KEY=value, got ${token}`);
    return [token.slice(0, eq), token.slice(eq + 1)];
  });
}

/** The host path of `imagePath` in `stage`, resolved against its WORKDIR; never outside its root. */
function hostPathIn(stage: Stage, imagePath: string): string {
  return join(stage.root, posix.resolve(stage.workdir, imagePath));
}

/** Fails unless `image` is a node image of the host's major version (the host stands in for it). */
function checkBaseImage(image: string, line: number): void {
  const match = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)(?:[.-]|@|$)/.exec(image);
  if (!match) {
    throw new DockerfileReplayError(
      `line ${line}: FROM ${image}: only node:<version> images can be replayed (the host is the base image)`,
    );
  }
  const hostMajor = process.versions.node.split('.')[0];
  if (match[1] !== hostMajor) {
    throw new DockerfileReplayError(
      `line ${line}: FROM ${image} is Node ${match[1]} but this host runs Node ${process.versions.node}`,
    );
  }
}

function runShell(stage: Stage, command: string, line: number): Promise<void> {
  // the command text is not rewritten: an absolute path in it would reach the host's own files
  if (/(^|[\s'"=:(])\/[A-Za-z.]/.test(command)) {
    throw new DockerfileReplayError(`line ${line}: RUN with an absolute path cannot be replayed`);
  }
  const env: Record<string, string> = {};
  for (const name of HOST_PLUMBING) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, stage.args, stage.env);
  env.PATH = `${dirname(process.execPath)}:${stage.env.PATH ?? IMAGE_PATH}`;
  const cwd = hostPathIn(stage, '.');
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new DockerfileReplayError(`line ${line}: RUN exited with ${code}:\n${output}`));
    });
  });
}

/**
 * Whether a file or folder of the context is copied. An ignored folder is still entered when a `!`
 * rule may re-include something inside it, as Docker does.
 */
function keepInContext(build: Build, hostPath: string): boolean {
  const path = relative(build.context, hostPath).split(sep).join('/');
  if (path === '' || !isIgnored(build.rules, path)) return true;
  return (
    statSync(hostPath).isDirectory() &&
    build.rules.some((r) => r.negated && r.pattern.startsWith(`${path}/`))
  );
}

/** COPY: from the context (filtered by `.dockerignore`) or, with `--from`, from an earlier stage. */
function copy(stage: Stage, args: string, line: number, build: Build): void {
  let tokens = args.startsWith('[') ? (JSON.parse(args) as string[]) : words(args);
  let from: Stage | undefined;
  while (tokens[0]?.startsWith('--')) {
    const flag = tokens[0];
    const name = /^--from=(.+)$/.exec(flag)?.[1];
    from = name === undefined ? undefined : build.stages.get(name);
    if (!from)
      throw new DockerfileReplayError(`line ${line}: unsupported COPY flag or stage: ${flag}`);
    tokens = tokens.slice(1);
  }
  const dest = tokens.at(-1);
  const sources = tokens.slice(0, -1);
  if (dest === undefined || sources.length === 0) {
    throw new DockerfileReplayError(`line ${line}: COPY needs a source and a destination`);
  }
  if (sources.length > 1 && !dest.endsWith('/')) {
    throw new DockerfileReplayError(
      `line ${line}: COPY of several sources needs a destination ending in /`,
    );
  }
  const target = hostPathIn(stage, dest);
  for (const source of sources) {
    if (/[*?[]/.test(source))
      throw new DockerfileReplayError(`line ${line}: COPY wildcards unsupported`);
    const contextPath = posix.normalize(source).replace(/^\/+/, '');
    if (!from && (contextPath.startsWith('..') || isIgnored(build.rules, contextPath))) {
      throw new DockerfileReplayError(`line ${line}: ${source} is not in the build context`);
    }
    const path = from
      ? join(from.root, posix.resolve('/', source))
      : join(build.context, contextPath);
    if (!existsSync(path))
      throw new DockerfileReplayError(`line ${line}: COPY source not found: ${source}`);
    const isDir = statSync(path).isDirectory();
    // a folder's contents go into dest; a file goes into dest/ or becomes dest
    const into =
      isDir || !(dest.endsWith('/') || existsSync(target)) ? target : join(target, basename(path));
    mkdirSync(isDir ? into : dirname(into), { recursive: true });
    cpSync(path, into, {
      recursive: true,
      force: true,
      verbatimSymlinks: true,
      filter: (src) => from !== undefined || keepInContext(build, src),
    });
  }
}

function startStage(args: string, line: number, build: Build): Stage {
  const tokens = words(substitute(args, build.globals, line));
  const [image, as, name] = tokens;
  if (
    image === undefined ||
    image.startsWith('--') ||
    (tokens.length !== 1 && (tokens.length !== 3 || as?.toUpperCase() !== 'AS'))
  ) {
    throw new DockerfileReplayError(`line ${line}: expected FROM <image> [AS <name>]`);
  }
  checkBaseImage(image, line);
  return {
    name,
    root: mkdtempSync(join(build.workDir, `${name ?? 'final'}-`)),
    baseImage: image,
    workdir: '/',
    env: { PATH: IMAGE_PATH },
    args: {},
    user: undefined,
    cmd: ['node'],
    exposedPorts: [],
    labels: {},
  };
}

/** Applies one in-stage instruction. */
async function apply(
  stage: Stage,
  { keyword, args, line }: Instruction,
  build: Build,
): Promise<void> {
  const vars = { ...stage.args, ...stage.env };
  switch (keyword) {
    case 'ARG': {
      const [name = '', value] = args.split(/=(.*)/s);
      const given =
        build.buildArgs[name] ??
        (value === undefined ? build.globals[name] : substitute(value, vars, line));
      if (given === undefined)
        throw new DockerfileReplayError(`line ${line}: ARG ${name} has no value`);
      stage.args[name] = given;
      return;
    }
    case 'ENV':
      for (const [k, v] of pairs(substitute(args, vars, line), line)) stage.env[k] = v;
      return;
    case 'LABEL':
      for (const [k, v] of pairs(substitute(args, vars, line), line)) stage.labels[k] = v;
      return;
    case 'WORKDIR':
      stage.workdir = posix.resolve(stage.workdir, substitute(args, vars, line));
      mkdirSync(hostPathIn(stage, '.'), { recursive: true });
      return;
    case 'USER':
      stage.user = substitute(args, vars, line);
      return;
    case 'EXPOSE':
      stage.exposedPorts.push(...words(substitute(args, vars, line)));
      return;
    case 'CMD': {
      const cmd: unknown = args.startsWith('[') ? JSON.parse(args) : undefined;
      if (!Array.isArray(cmd) || !cmd.every((part) => typeof part === 'string')) {
        throw new DockerfileReplayError(
          `line ${line}: only the exec form of CMD (a JSON array) is supported`,
        );
      }
      stage.cmd = cmd;
      return;
    }
    case 'COPY':
      copy(stage, substitute(args, vars, line), line, build);
      return;
    case 'RUN':
      if (args.startsWith('[') || args.startsWith('--')) {
        throw new DockerfileReplayError(
          `line ${line}: only the plain shell form of RUN is supported`,
        );
      }
      if (stage.user !== undefined && !/^(root|0)(:.*)?$/.test(stage.user)) {
        throw new DockerfileReplayError(
          `line ${line}: RUN after USER ${stage.user} is not replayed`,
        );
      }
      await runShell(stage, args, line);
      return;
    default:
      throw new DockerfileReplayError(`line ${line}: instruction ${keyword} is not understood`);
  }
}

/**
 * Replays `options.dockerfile` against `options.context` and returns the final stage.
 *
 * @throws {@link DockerfileReplayError} on an unsupported instruction, a wrong base image, a
 *   missing COPY source or a failing RUN (with the end of its output).
 */
export async function replayDockerfile(options: ReplayOptions): Promise<ReplayedImage> {
  const ignoreFile = join(options.context, '.dockerignore');
  const build: Build = {
    context: options.context,
    rules: existsSync(ignoreFile) ? parseDockerignore(readFileSync(ignoreFile, 'utf8')) : [],
    buildArgs: options.buildArgs ?? {},
    globals: {},
    stages: new Map(),
    workDir: options.workDir,
  };
  let stage: Stage | undefined;
  for (const instruction of parseDockerfile(readFileSync(options.dockerfile, 'utf8'))) {
    const started = Date.now();
    if (instruction.keyword === 'FROM') {
      stage = startStage(instruction.args, instruction.line, build);
      if (stage.name) build.stages.set(stage.name, stage);
    } else if (!stage && instruction.keyword === 'ARG') {
      // before the first FROM: a global build argument, visible to FROM lines and `ARG NAME`
      const [name = '', value = ''] = instruction.args.split(/=(.*)/s);
      build.globals[name] = build.buildArgs[name] ?? value;
    } else if (!stage) {
      throw new DockerfileReplayError(
        `line ${instruction.line}: ${instruction.keyword} before FROM`,
      );
    } else {
      await apply(stage, instruction, build);
    }
    options.log?.(
      `[${stage?.name ?? 'final'}] ${instruction.keyword} ${instruction.args.slice(0, 80)} (${Date.now() - started} ms)`,
    );
  }
  if (!stage) throw new DockerfileReplayError('the Dockerfile has no FROM');
  const final = stage;
  return {
    root: final.root,
    workdir: final.workdir,
    cmd: final.cmd,
    env: final.env,
    user: final.user,
    exposedPorts: final.exposedPorts,
    labels: final.labels,
    baseImage: final.baseImage,
    hostPath: (imagePath) => hostPathIn(final, imagePath),
  };
}
