import { pointerToFieldPath } from './field-path.js';
import { isKubeObject, type KubeObject, objectRef } from './kube-object.js';
import { isIstioObject, istioUnknownFields } from './schema-istio-fields.js';
import { unknownFields } from './schema-known-fields.js';

/** One place where an object breaks the Kubernetes API schema. */
export interface SchemaIssue {
  object: string;
  /** kubectl-style field path; empty for the object as a whole. */
  path: string;
  message: string;
}

interface Model {
  validate(): void;
}
type ModelConstructor = new (data: unknown) => Model;

interface AjvError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

const modelCache = new Map<string, Promise<ModelConstructor | undefined>>();

/**
 * kubernetes-models ships one class per kind with the release's OpenAPI
 * schema compiled into `validate()`; load only the kinds a render uses.
 */
function loadModel(apiVersion: string, kind: string): Promise<ModelConstructor | undefined> {
  const key = `${apiVersion}/${kind}`;
  let model = modelCache.get(key);
  if (!model) {
    model = importModel(apiVersion, kind);
    modelCache.set(key, model);
  }
  return model;
}

async function importModel(
  apiVersion: string,
  kind: string,
): Promise<ModelConstructor | undefined> {
  const parts = apiVersion.split('/');
  const valid =
    parts.length <= 2 &&
    parts.every((part) => /^[a-z0-9][a-z0-9.-]*$/.test(part)) &&
    /^[A-Z][A-Za-z0-9]*$/.test(kind);
  if (!valid) return undefined;
  try {
    // Istio's kinds from @kubernetes-models/istio (its CRD schemas, same model shape).
    const specifier = /\.istio\.io$/.test(parts[0] ?? '')
      ? `@kubernetes-models/istio/${apiVersion}/${kind}`
      : `kubernetes-models/${apiVersion}/${kind}`;
    const module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
    const model = module[kind];
    return typeof model === 'function' ? (model as ModelConstructor) : undefined;
  } catch {
    return undefined;
  }
}

function ajvErrors(error: unknown): AjvError[] | undefined {
  if (typeof error !== 'object' || error === null || !('errors' in error)) return undefined;
  const { errors } = error as { errors: unknown };
  return Array.isArray(errors) ? (errors as AjvError[]) : undefined;
}

/**
 * Checks each object against the Kubernetes OpenAPI schema (kubernetes-models:
 * types, required fields, enums, formats) and against the typed models' field
 * names (no unknown fields, as `kubectl apply` insists). An empty list means
 * every object is valid.
 */
export async function validateObjects(objects: readonly unknown[]): Promise<SchemaIssue[]> {
  const issues: SchemaIssue[] = [];
  /** Istio objects get their field names checked together, in one TypeScript program. */
  const istio: KubeObject[] = [];
  for (const [index, object] of objects.entries()) {
    if (!isKubeObject(object)) {
      issues.push({
        object: `#${index + 1}`,
        path: '',
        message: 'not a Kubernetes object: apiVersion, kind and metadata.name are required',
      });
      continue;
    }
    const ref = objectRef(object);
    const Model = await loadModel(object.apiVersion, object.kind);
    if (!Model) {
      issues.push({
        object: ref,
        path: '',
        message: `unknown kind ${object.kind} in ${object.apiVersion}`,
      });
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      const errors = ajvErrors(error);
      if (!errors) throw error;
      for (const e of errors) {
        issues.push({
          object: ref,
          path: pointerToFieldPath(e.instancePath),
          message: ajvMessage(e),
        });
      }
    }
    if (isIstioObject(object)) {
      istio.push(object);
      continue;
    }
    const unknown = unknownFields(object);
    if (unknown === undefined) {
      issues.push({
        object: ref,
        path: '',
        message: `no typed model of ${object.apiVersion} ${object.kind} to check field names against`,
      });
      continue;
    }
    for (const path of unknown) issues.push({ object: ref, path, message: 'unknown field' });
  }
  if (istio.length > 0) {
    istioUnknownFields(istio).forEach((paths, i) => {
      const ref = objectRef(istio[i]!);
      for (const path of paths) issues.push({ object: ref, path, message: 'unknown field' });
    });
  }
  return issues;
}

function ajvMessage(error: AjvError): string {
  const message = error.message ?? 'invalid';
  const allowed = error.params?.allowedValues;
  return Array.isArray(allowed) ? `${message}: ${allowed.join(', ')}` : message;
}

export function formatSchemaIssue(issue: SchemaIssue): string {
  return `${issue.object}${issue.path ? ` ${issue.path}` : ''}: ${issue.message}`;
}
