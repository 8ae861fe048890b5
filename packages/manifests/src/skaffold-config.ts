import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { repoRoot } from './repo-paths.js';
import {
  type SkaffoldArtifact,
  type SkaffoldConfig,
  type SkaffoldPortForward,
  skaffoldConfigSchema,
} from './skaffold-schema.js';

/** The repository's skaffold.yaml. */
export const skaffoldFile = join(repoRoot, 'skaffold.yaml');

export type FieldPath = readonly (string | number)[];

/** A skaffold.yaml that cannot be used; the message names file, line and field. */
export class SkaffoldConfigError extends Error {
  override name = 'SkaffoldConfigError';
}

/** A parsed and schema-checked skaffold.yaml, with the line of any field for messages. */
export interface SkaffoldFile {
  config: SkaffoldConfig;
  /** How messages name the file: relative to the repository root. */
  file: string;
  /** The line of the field at `path`, or of its nearest ancestor that exists. */
  lineOf(path: FieldPath): number;
}

/** `build.artifacts[0].docker`: how messages name a field. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
    '',
  );
}

type Located = { range?: [number, number, number] | null } | null | undefined;

/**
 * Lines are where a field is named: the line of its key in the enclosing
 * map, or of its item in a list; for a field that is not there, the line of
 * the nearest enclosing one that is.
 */
function lineFinder(document: ReturnType<typeof parseAllDocuments>[number], counter: LineCounter) {
  const lineAt = (node: Located) => (node?.range ? counter.linePos(node.range[0]).line : undefined);
  const childLine = (parent: unknown, key: string | number): number | undefined => {
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === key);
      return lineAt(pair?.key as Located);
    }
    if (isSeq(parent) && typeof key === 'number') return lineAt(parent.items[key] as Located);
    return undefined;
  };
  return (path: FieldPath, key?: string): number => {
    const full = key === undefined ? path : [...path, key];
    for (let depth = full.length; depth > 0; depth--) {
      const parent = document.getIn(full.slice(0, depth - 1) as unknown[], true);
      const line = childLine(parent, full[depth - 1] as string | number);
      if (line !== undefined) return line;
    }
    return 1;
  };
}

function describeIssues(
  issues: z.core.$ZodIssue[],
  file: string,
  lineOf: (path: FieldPath, key?: string) => number,
): string {
  return issues
    .flatMap((issue) => {
      const path = issue.path.filter((key) => typeof key !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map(
          (key) =>
            `${file}:${lineOf(path, key)}: ${formatFieldPath([...path, key])}: ` +
            'not a field of the skaffold schema subset the lab checks (packages/manifests/src/skaffold-schema.ts)',
        );
      }
      return [
        `${file}:${lineOf(path)}: ${formatFieldPath(path) || '(top level)'}: ${issue.message}`,
      ];
    })
    .join('\n');
}

/**
 * Parses one skaffold.yaml and checks it against the schema subset. One
 * document only: skaffold allows several configs in a file, the lab keeps one.
 */
export function parseSkaffoldConfig(text: string, file: string): SkaffoldFile {
  const counter = new LineCounter();
  const documents = parseAllDocuments(text, {
    lineCounter: counter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  for (const document of documents) {
    const [error] = document.errors;
    if (error) {
      const line = counter.linePos(error.pos[0]).line;
      throw new SkaffoldConfigError(
        `${file}:${line}: not valid YAML: ${error.message.split('\n')[0]}`,
      );
    }
  }
  const [document, second] = documents;
  if (!document || document.contents === null) {
    throw new SkaffoldConfigError(`${file}:1: empty: expected one skaffold Config`);
  }
  if (second) {
    const line = second.range ? counter.linePos(second.range[0]).line : 1;
    throw new SkaffoldConfigError(
      `${file}:${line}: a second document: the lab keeps its skaffold Config in one document`,
    );
  }
  const lineOf = lineFinder(document, counter);
  const parsed = skaffoldConfigSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new SkaffoldConfigError(describeIssues(parsed.error.issues, file, lineOf));
  }
  return { config: parsed.data, file, lineOf: (path) => lineOf(path) };
}

export function readSkaffoldConfig(path: string = skaffoldFile, root = repoRoot): SkaffoldFile {
  return parseSkaffoldConfig(readFileSync(path, 'utf8'), relative(root, path));
}

/** What one `skaffold dev [-p <profile>]` builds, renders, deploys and forwards. */
export interface SkaffoldPipeline {
  /** The profile, or undefined for the top level. */
  profile: string | undefined;
  artifacts: SkaffoldArtifact[];
  /** Kustomization directories, relative to the skaffold.yaml's folder. */
  kustomizePaths: string[];
  kubectlApplyFlags: string[];
  portForward: SkaffoldPortForward[];
}

const nonEmpty = <T>(list: T[] | undefined): T[] | undefined =>
  list && list.length > 0 ? list : undefined;

/**
 * The pipeline skaffold runs with one profile active, by its overlay rules: a
 * profile's list replaces the top level's when it is not empty, and its
 * pointer fields (manifests.kustomize, deploy.kubectl, build.local) replace
 * the top level's whole when present; nothing is merged inside them.
 */
export function skaffoldPipeline(config: SkaffoldConfig, profile?: string): SkaffoldPipeline {
  const chosen =
    profile === undefined ? undefined : config.profiles?.find((p) => p.name === profile);
  if (profile !== undefined && !chosen) {
    const known = (config.profiles ?? []).map((p) => p.name).join(', ');
    throw new SkaffoldConfigError(`no skaffold profile ${profile} (profiles: ${known || 'none'})`);
  }
  const kustomize = chosen?.manifests?.kustomize ?? config.manifests?.kustomize;
  const kubectl = chosen?.deploy?.kubectl ?? config.deploy?.kubectl;
  return {
    profile,
    artifacts: nonEmpty(chosen?.build?.artifacts) ?? config.build?.artifacts ?? [],
    // Kustomize.paths defaults to ["."] in the schema.
    kustomizePaths: kustomize ? (kustomize.paths ?? ['.']) : [],
    kubectlApplyFlags: kubectl?.flags?.apply ?? [],
    portForward: nonEmpty(chosen?.portForward) ?? config.portForward ?? [],
  };
}

/** The top level, then each profile in file order. */
export function skaffoldPipelines(config: SkaffoldConfig): SkaffoldPipeline[] {
  return [
    skaffoldPipeline(config),
    ...(config.profiles ?? []).map((profile) => skaffoldPipeline(config, profile.name)),
  ];
}

/** The Dockerfile an artifact builds, relative to the skaffold.yaml's folder. */
export function artifactDockerfile(artifact: SkaffoldArtifact): string {
  return join(artifact.context ?? '.', artifact.docker?.dockerfile ?? 'Dockerfile');
}
