import { posix } from 'node:path';
import { DockerfileParser, From, type Instruction, ModifiableInstruction } from 'dockerfile-ast';

/** One place where a Dockerfile breaks the lab's image rules. */
export interface DockerfileViolation {
  /** multi-stage, non-root, production-only */
  rule: string;
  /** 1-based line of the instruction at fault (the last line when it is one that is missing). */
  line: number;
  message: string;
}

interface Stage {
  name: string | undefined;
  instructions: Instruction[];
}

/** Flags that make an npm, pnpm or yarn install leave devDependencies out. */
const PRODUCTION_FLAG = /\s(--prod|--production|--omit[= ]dev)(\s|$)/;
const INSTALL = /\b(npm|pnpm|yarn)\b.*\s(install|i|ci|add|deploy)(\s|$)/;

const lineOf = (instruction: Instruction) => instruction.getRange().start.line + 1;

function stages(text: string): { stages: Stage[]; lastLine: number } {
  const dockerfile = DockerfileParser.parse(text);
  const found: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction instanceof From) {
      found.push({ name: instruction.getBuildStage() ?? undefined, instructions: [] });
    }
    found.at(-1)?.instructions.push(instruction);
  }
  return { stages: found, lastLine: (dockerfile.getRange()?.end.line ?? 0) + 1 };
}

function args(instruction: Instruction): string[] {
  return instruction.getArguments().map((argument) => argument.getValue());
}

/** COPY --from=<stage>; ADD has the flag too in current Dockerfile syntax. */
function fromFlag(instruction: Instruction): string | undefined {
  if (!(instruction instanceof ModifiableInstruction)) return undefined;
  const flag = instruction.getFlags().find((candidate) => candidate.getName() === 'from');
  return flag?.getValue() ?? undefined;
}

/**
 * The stage's working directory when `instruction` runs, or at the end of the
 * stage without one (WORKDIR is cumulative).
 */
function workdirAt(stage: Stage, instruction?: Instruction): string {
  let dir = '/';
  for (const current of stage.instructions) {
    if (current === instruction) break;
    if (current.getKeyword() === 'WORKDIR') dir = posix.resolve(dir, args(current)[0] ?? '.');
  }
  return dir;
}

/**
 * Directories a stage filled with a production-only install: the absolute
 * path arguments of a RUN that installs with --prod (pnpm deploy's target,
 * npm ci --omit=dev's prefix …), or its working directory.
 */
function productionDirs(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.getKeyword() === 'RUN')
    .filter((i) => {
      const command = ` ${i.getArgumentsContent() ?? ''}`;
      return INSTALL.test(command) && PRODUCTION_FLAG.test(command);
    })
    .flatMap((run) => {
      const workdir = workdirAt(stage, run);
      const paths = args(run)
        .filter((arg) => !arg.startsWith('-') && (arg.startsWith('/') || arg.startsWith('.')))
        .map((arg) => posix.resolve(workdir, arg));
      return paths.length > 0 ? paths : [workdir];
    });
}

const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/**
 * The lab's image rules: a build stage and a runtime stage; the runtime stage
 * runs as a numeric non-root user (Kubernetes' runAsNonRoot can verify only a
 * number); and it holds production dependencies only: everything it copies
 * from another stage comes out of a --prod install there, it copies neither
 * the build context nor node_modules from it, and it installs nothing with
 * devDependencies.
 */
export function dockerfileViolations(text: string): DockerfileViolation[] {
  const { stages: all, lastLine } = stages(text);
  const violations: DockerfileViolation[] = [];
  const final = all.at(-1);
  if (!final) return [{ rule: 'multi-stage', line: 1, message: 'no FROM: not a Dockerfile' }];
  if (all.length < 2) {
    violations.push({
      rule: 'multi-stage',
      line: lineOf(final.instructions[0]!),
      message: 'one stage: build in one stage and copy only what runs into a second',
    });
  }

  const users = final.instructions.filter((i) => i.getKeyword() === 'USER');
  const user = users.at(-1);
  const uid = user ? (args(user)[0] ?? '').split(':')[0] : undefined;
  if (!user || uid === undefined) {
    violations.push({
      rule: 'non-root',
      line: lastLine,
      message: 'the final stage sets no USER: it runs as root',
    });
  } else if (!/^\d+$/.test(uid)) {
    violations.push({
      rule: 'non-root',
      line: lineOf(user),
      message: `USER ${uid}: use a numeric uid, so that runAsNonRoot can verify it`,
    });
  } else if (Number(uid) === 0) {
    violations.push({ rule: 'non-root', line: lineOf(user), message: 'USER 0 is root' });
  }

  for (const instruction of final.instructions) {
    const keyword = instruction.getKeyword();
    const add = (message: string) =>
      violations.push({ rule: 'production-only', line: lineOf(instruction), message });
    if (keyword === 'RUN') {
      const command = ` ${instruction.getArgumentsContent() ?? ''}`;
      if (INSTALL.test(command) && !PRODUCTION_FLAG.test(command)) {
        add('installs packages with devDependencies in the final stage');
      }
      continue;
    }
    if (keyword !== 'COPY' && keyword !== 'ADD') continue;
    const sources = args(instruction).slice(0, -1);
    const from = fromFlag(instruction);
    if (from === undefined) {
      for (const source of sources) {
        if (posix.normalize(source) === '.' || source.includes('node_modules')) {
          add(`copies ${source} from the build context: sources and dev tooling come with it`);
        }
      }
      continue;
    }
    const stage = all.find((candidate) => candidate.name === from && candidate !== final);
    if (!stage) {
      add(`copies from ${from}, which is not a stage of this Dockerfile, so it cannot be checked`);
      continue;
    }
    const dirs = productionDirs(stage);
    const workdir = workdirAt(stage);
    for (const source of sources) {
      const path = posix.resolve(workdir, source);
      if (!dirs.some((dir) => within(path, dir))) {
        add(`copies ${source} from stage ${from}, which no --prod install there produced`);
      }
    }
  }
  return violations;
}
