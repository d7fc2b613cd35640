/**
 * One stage of a replayed build (tests/support/dockerfile-replay.ts): a host folder standing for
 * the stage's `/`, the base image check, and the two instructions that touch files, COPY and RUN.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { type IgnoreRule, isIgnored } from './dockerfile-ignore.js';
import { DockerfileReplayError, substitute, words } from './dockerfile-syntax.js';

/** PATH of the official node images. The host's node directory goes first for RUN. */
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

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
export interface Build {
  readonly context: string;
  readonly rules: readonly IgnoreRule[];
  readonly buildArgs: Readonly<Record<string, string>>;
  /** ARGs declared before the first FROM. */
  readonly globals: Record<string, string>;
  readonly stages: Map<string, Stage>;
  readonly workDir: string;
}

/** The state of one stage while its instructions apply. */
export interface Stage {
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

/** The host path of `imagePath` in `stage`, resolved against its WORKDIR; never outside its root. */
export function hostPathIn(stage: Stage, imagePath: string): string {
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

/** RUN: the command as written, with `sh -c` in the stage's WORKDIR, ENV and ARGs. */
export function runShell(stage: Stage, command: string, line: number): Promise<void> {
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
export function copy(stage: Stage, args: string, line: number, build: Build): void {
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

/** FROM: a new stage with an empty root, after checking the base image. */
export function startStage(args: string, line: number, build: Build): Stage {
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
