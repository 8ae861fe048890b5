// The generated models alone: the package's entry point also loads its HTTP
// stack (undici 8), which needs a newer Node than the lab's 20, and nothing
// here talks to a cluster.
import * as clientNode from '@kubernetes/client-node/dist/gen/models/all.js';
import { fieldPath } from './field-path.js';
import { isRecord, type KubeObject } from './kube-object.js';

/**
 * Field names, checked against the typed models of @kubernetes/client-node
 * (generated from the Kubernetes OpenAPI spec, release 1.34). The OpenAPI schema itself
 * allows unknown fields, and so does a JSON-schema validator built from it;
 * `kubectl apply` does not (its default is --validate=strict), so a
 * misspelled field must fail here too rather than on the cluster.
 */

interface AttributeType {
  baseName: string;
  type: string;
}

interface ModelClass {
  getAttributeTypeMap(): AttributeType[];
}

const models = clientNode as unknown as Record<string, unknown>;

function modelClass(name: string): ModelClass | undefined {
  const candidate = models[name];
  return typeof candidate === 'function' && 'getAttributeTypeMap' in candidate
    ? (candidate as unknown as ModelClass)
    : undefined;
}

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * The model of a top-level kind: `V1Deployment` for apps/v1 Deployment; a kind
 * that two groups share carries its group (`CoreV1Event`, `EventsV1Event`).
 */
export function modelNameFor(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  if (!group || !version) return undefined;
  const groupPrefix = capitalize(group.split('.')[0] ?? '');
  return [`${groupPrefix}${capitalize(version)}${kind}`, `${capitalize(version)}${kind}`].find(
    (name) => modelClass(name) !== undefined,
  );
}

/** Paths of fields that the object's model does not define; undefined when there is no model. */
export function unknownFields(object: KubeObject): string[] | undefined {
  const model = modelNameFor(object.apiVersion, object.kind);
  if (!model) return undefined;
  const found: string[] = [];
  walk(object, model, [], found);
  return found;
}

function walk(value: unknown, type: string, path: (string | number)[], found: string[]): void {
  const item = /^Array<(.+)>$/.exec(type)?.[1];
  if (item) {
    if (Array.isArray(value)) {
      for (const [i, element] of value.entries()) walk(element, item, [...path, i], found);
    }
    return;
  }
  const entry = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
  if (entry) {
    if (isRecord(value)) {
      for (const [key, element] of Object.entries(value))
        walk(element, entry, [...path, key], found);
    }
    return;
  }
  const model = modelClass(type);
  // Primitives, IntOrString, free-form objects: nothing to name. Wrong
  // types are the JSON schema's to report.
  if (!model || !isRecord(value)) return;
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [key, field] of Object.entries(value)) {
    const attributeType = attributes.get(key);
    if (attributeType === undefined) found.push(fieldPath([...path, key]));
    else walk(field, attributeType, [...path, key], found);
  }
}
