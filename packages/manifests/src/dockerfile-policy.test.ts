import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileViolations } from './dockerfile-policy.js';
import { appsDir } from './repo-paths.js';

const dockerfiles = readdirSync(appsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(appsDir, entry.name, 'Dockerfile'))
  .filter((path) => existsSync(path));

/** A Dockerfile shaped like the lab's, with the runtime stage given. */
function withFinalStage(final: string): string {
  return [
    'FROM node:20-bookworm-slim AS build',
    'WORKDIR /repo',
    'COPY . .',
    'RUN pnpm install --frozen-lockfile',
    'RUN pnpm --filter=@lab/demo deploy --prod --legacy /out',
    final,
  ].join('\n');
}

const GOOD_FINAL = [
  'FROM node:20-bookworm-slim',
  'WORKDIR /app',
  'COPY --from=build /out/node_modules ./node_modules',
  'COPY --from=build /out/dist ./dist',
  'USER 1000:1000',
  'ENTRYPOINT ["node", "dist/main.js"]',
].join('\n');

/** Apps that run on the person's machine beside `pnpm lab`, never in a pod: they have no image. */
const LOCAL_ONLY_APPS = new Set(['dashboard']);

describe('dockerfileViolations on apps/*/Dockerfile', () => {
  it('finds a Dockerfile for every app that runs in a pod', () => {
    const apps = readdirSync(appsDir, { withFileTypes: true }).filter(
      (e) => e.isDirectory() && !LOCAL_ONLY_APPS.has(e.name),
    );
    expect(dockerfiles.length).toBe(apps.length);
    expect(dockerfiles.length).toBeGreaterThan(0);
  });

  it.each(dockerfiles)('%s is multi-stage, non-root and production-only', (path) => {
    expect(dockerfileViolations(readFileSync(path, 'utf8'))).toEqual([]);
  });
});

describe('dockerfileViolations on broken Dockerfiles', () => {
  it('accepts the shape the lab uses', () => {
    expect(dockerfileViolations(withFinalStage(GOOD_FINAL))).toEqual([]);
  });

  it('reports a single stage', () => {
    const text = ['FROM node:20', 'COPY . .', 'RUN npm ci --omit=dev', 'USER 1000'].join('\n');
    expect(dockerfileViolations(text)).toEqual([
      expect.objectContaining({ rule: 'multi-stage', line: 1 }),
      expect.objectContaining({ rule: 'production-only', line: 2 }),
    ]);
  });

  it('reports a final stage that runs as root, or as a user name', () => {
    const root = GOOD_FINAL.replace('USER 1000:1000', 'USER 0');
    expect(dockerfileViolations(withFinalStage(root))).toEqual([
      { rule: 'non-root', line: 10, message: 'USER 0 is root' },
    ]);
    const none = GOOD_FINAL.replace('USER 1000:1000\n', '');
    expect(dockerfileViolations(withFinalStage(none))).toEqual([
      expect.objectContaining({ rule: 'non-root', message: expect.stringMatching(/no USER/) }),
    ]);
    const named = GOOD_FINAL.replace('USER 1000:1000', 'USER node');
    expect(dockerfileViolations(withFinalStage(named))).toEqual([
      expect.objectContaining({ rule: 'non-root', message: expect.stringMatching(/numeric/) }),
    ]);
  });

  it('reports node_modules copied from a stage that installed devDependencies', () => {
    const text = withFinalStage(
      GOOD_FINAL.replace('/out/node_modules ./node_modules', '/repo/node_modules ./node_modules'),
    );
    expect(dockerfileViolations(text)).toEqual([
      {
        rule: 'production-only',
        line: 8,
        message:
          'copies /repo/node_modules from stage build, which no --prod install there produced',
      },
    ]);
  });

  it('reports an install with devDependencies, or the build context, in the final stage', () => {
    const text = withFinalStage(
      GOOD_FINAL.replace('WORKDIR /app', 'WORKDIR /app\nCOPY . .\nRUN npm install'),
    );
    expect(dockerfileViolations(text).map((v) => [v.rule, v.line])).toEqual([
      ['production-only', 8],
      ['production-only', 9],
    ]);
  });

  it('accepts npm ci --omit=dev in the build stage, by its working directory', () => {
    const text = [
      'FROM node:20 AS deps',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --omit=dev',
      'FROM node:20-slim',
      'COPY --from=deps /app/node_modules /app/node_modules',
      'USER 1000',
    ].join('\n');
    expect(dockerfileViolations(text)).toEqual([]);
  });
});
