import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { UsageError } from '@lab/cli';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Scenario, scenarioSchema } from './scenario-schema.js';

/**
 * A scenario file that cannot be used; the message names file, line and key.
 * It is bad input, so the CLI exits 2 for it, as for a bad flag.
 */
export class ScenarioError extends UsageError {
  override name = 'ScenarioError';
}

export interface LoadedScenario {
  scenario: Scenario;
  file: string;
  dir: string;
}

type Path = readonly PropertyKey[];

function formatPath(path: Path): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
    '',
  );
}

/**
 * The line of the YAML node at `path`, or of the nearest ancestor that
 * exists; for an unknown key, the line of that key.
 */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  path: Path,
  key?: string,
): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as
      | { range?: [number, number, number] }
      | undefined;
    if (key !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      const keyNode = pair?.key as { range?: [number, number, number] } | undefined;
      if (keyNode?.range) return counter.linePos(keyNode.range[0]).line;
    }
    if (node?.range) return counter.linePos(node.range[0]).line;
  }
  return 1;
}

function describeIssues(
  issues: z.core.$ZodIssue[],
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  file: string,
): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys
          .map((key) => {
            const line = lineOf(doc, counter, issue.path, key);
            return `${file}:${line}: ${formatPath([...issue.path, key])}: unknown key`;
          })
          .join('\n');
      }
      const line = lineOf(doc, counter, issue.path);
      return `${file}:${line}: ${formatPath(issue.path) || '(top level)'}: ${issue.message}`;
    })
    .join('\n');
}

/** Parses and checks one scenario.yaml. `displayFile` is how errors name it. */
export function parseScenario(text: string, displayFile: string, folderId?: string): Scenario {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const [error] = doc.errors;
    // With prettyErrors off, yaml leaves linePos unset; the counter has every line.
    const line = error ? counter.linePos(error.pos[0]).line : 1;
    throw new ScenarioError(
      `${displayFile}:${line}: not valid YAML: ${error?.message.split('\n')[0]}`,
    );
  }
  const parsed = scenarioSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new ScenarioError(describeIssues(parsed.error.issues, doc, counter, displayFile));
  }
  if (folderId !== undefined && parsed.data.id !== folderId) {
    const line = lineOf(doc, counter, ['id']);
    throw new ScenarioError(`${displayFile}:${line}: id: must equal its folder name, ${folderId}`);
  }
  return parsed.data;
}

export function loadScenarioFile(file: string, root = process.cwd()): LoadedScenario {
  const dir = dirname(file);
  const scenario = parseScenario(readFileSync(file, 'utf8'), relative(root, file), basename(dir));
  return { scenario, file, dir };
}

/** Scenario ids: the folders of `scenariosDir` that hold a scenario.yaml. */
export function listScenarioIds(scenariosDir: string): string[] {
  return readdirSync(scenariosDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .filter((entry) => readdirSync(join(scenariosDir, entry.name)).includes('scenario.yaml'))
    .map((entry) => entry.name)
    .sort();
}

export function loadScenario(
  scenariosDir: string,
  id: string,
  root = process.cwd(),
): LoadedScenario {
  const ids = listScenarioIds(scenariosDir);
  if (!ids.includes(id)) {
    throw new ScenarioError(`unknown scenario '${id}'; known: ${ids.join(', ')}`);
  }
  return loadScenarioFile(join(scenariosDir, id, 'scenario.yaml'), root);
}
