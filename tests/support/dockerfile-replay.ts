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
 *
 * Split by topic: dockerfile-syntax.ts (instructions, substitution), dockerfile-ignore.ts
 * (`.dockerignore`), dockerfile-stage.ts (stage roots, base image, COPY and RUN); this file applies
 * the instructions in order.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseDockerignore } from './dockerfile-ignore.js';
import {
  type Build,
  copy,
  hostPathIn,
  runShell,
  type Stage,
  startStage,
} from './dockerfile-stage.js';
import {
  DockerfileReplayError,
  type Instruction,
  pairs,
  parseDockerfile,
  substitute,
  words,
} from './dockerfile-syntax.js';

export { type IgnoreRule, isIgnored, parseDockerignore } from './dockerfile-ignore.js';
export { DockerfileReplayError, type Instruction, parseDockerfile } from './dockerfile-syntax.js';

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
