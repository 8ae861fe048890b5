import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import ts from 'typescript';
import { fieldPath } from './field-path.js';
import type { KubeObject } from './kube-object.js';

/**
 * Unknown fields in Istio objects. @kubernetes-models/istio's validators come
 * from Istio's CRD schemas, which accept any extra field (so does a CRD with
 * `kubectl apply`, which drops it silently: a misspelled `fault` is a fault
 * never injected). The same package's TypeScript interfaces name every field,
 * so each object is type-checked as an object literal of its interface, and
 * TypeScript's excess-property check names what does not belong.
 */
const require = createRequire(import.meta.url);
const istioDir = dirname(require.resolve('@kubernetes-models/istio/package.json'));

export function isIstioObject(object: KubeObject): boolean {
  return (
    /^[a-z.]+\.istio\.io\/[a-z0-9]+$/.test(object.apiVersion) && /^[A-Z]\w*$/.test(object.kind)
  );
}

const VIRTUAL = '/virtual/istio-objects.ts';
/** "Object literal may only specify known properties" (2561: with a did-you-mean). */
const EXCESS_PROPERTY = new Set([2353, 2561]);
/** Cannot find module, or it has no such export. */
const BROKEN_CHECK = new Set([2305, 2307, 2614, 2724]);

/** For each object, the paths of its unknown fields (objects must be Istio kinds). */
export function istioUnknownFields(objects: readonly KubeObject[]): string[][] {
  const lines = objects.map(
    (object, i) =>
      `import type { I${object.kind} as T${i} } from '@kubernetes-models/istio/${object.apiVersion}/${object.kind}';\n` +
      `export const o${i}: T${i} = ${JSON.stringify(object)};`,
  );
  const text = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === VIRTUAL
      ? ts.createSourceFile(name, text, version)
      : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === VIRTUAL || fileExists(name);
  // Resolve the package from here, wherever the virtual file claims to live.
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, compilerOptions) =>
    literals.map((literal) =>
      ts.resolveModuleName(
        literal.text,
        containingFile === VIRTUAL ? `${istioDir}/index.d.ts` : containingFile,
        compilerOptions,
        host,
        undefined,
        redirected,
      ),
    );
  const program = ts.createProgram([VIRTUAL], options, host);
  const source = program.getSourceFile(VIRTUAL);
  const found: string[][] = objects.map(() => []);
  if (!source) throw new Error('the Istio type check lost its own source file');
  for (const diagnostic of ts.getPreEmitDiagnostics(program, source)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.start === undefined) continue;
    const located = locate(source, diagnostic.start);
    if (!located) continue;
    if (EXCESS_PROPERTY.has(diagnostic.code)) {
      found[located.object]?.push(fieldPath(located.path));
    } else if (BROKEN_CHECK.has(diagnostic.code)) {
      // No interface to check against: the check itself is broken, so fail loudly.
      throw new Error(`Istio type check of object ${located.object + 1}: ${message}`);
    }
    // Other errors are wrong values, which the CRD schema's validator reports already.
  }
  return found;
}

/** Which object (o0, o1, …) and which field path a position in the virtual file is at. */
function locate(
  source: ts.SourceFile,
  position: number,
): { object: number; path: (string | number)[] } | undefined {
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement) || position < statement.pos || position >= statement.end)
      continue;
    const declaration = statement.declarationList.declarations[0];
    const object = Number(declaration?.name.getText(source).slice(1));
    const path: (string | number)[] = [];
    let node: ts.Node | undefined = declaration?.initializer;
    while (node) {
      const inside: ts.Node | undefined = node
        .getChildren(source)
        .flatMap((child) =>
          child.kind === ts.SyntaxKind.SyntaxList ? child.getChildren(source) : [child],
        )
        .find((child) => position >= child.getStart(source) && position < child.end);
      if (!inside) break;
      if (ts.isPropertyAssignment(inside)) {
        path.push(JSON.parse(inside.name.getText(source)) as string);
        if (position < inside.initializer.getStart(source)) break;
        node = inside.initializer;
        continue;
      }
      if (ts.isArrayLiteralExpression(node))
        path.push(node.elements.indexOf(inside as ts.Expression));
      node = inside;
    }
    return { object, path };
  }
  return undefined;
}
