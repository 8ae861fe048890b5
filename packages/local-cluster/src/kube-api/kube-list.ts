import { type FieldSelector, parseFieldSelector } from './field-selector.js';
import { type KubeObject, objectKey } from './kube-object.js';
import { fieldsOf, type ResourceDef, unsupportedFieldMessage } from './kube-resources.js';
import { ApiError, badRequest, expired, invalid, tooLargeResourceVersion } from './kube-status.js';
import type { KubeStore } from './kube-store.js';
import { type LabelSelector, parseLabelSelector, SelectorParseError } from './label-selector.js';

/** The list and watch query parameters (metav1.ListOptions) this server honours. */
export interface ListQuery {
  labels: LabelSelector;
  fields: FieldSelector;
  resourceVersion: string;
  resourceVersionMatch: string;
  limit: number;
  continueToken: string;
  watch: boolean;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean | undefined;
  timeoutSeconds: number | undefined;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** How long a list for a resourceVersion the store has not reached waits for it. */
const FRESHNESS_WAIT_MS = 3000;

function parseBool(params: URLSearchParams, name: string): boolean | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False', ''].includes(raw)) return false;
  throw new ApiError(badRequest(`strconv.ParseBool: parsing "${raw}": invalid syntax`));
}

function parseInteger(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) {
    throw new ApiError(badRequest(`strconv.ParseInt: parsing "${raw}": invalid syntax`));
  }
  return Number(raw);
}

function forbidden(field: string, detail: string) {
  return { type: 'FieldValueForbidden', field, detail: `Forbidden: ${detail}` };
}

/** Parses and validates ListOptions as the API server does: 400 for what does not parse, 422 for what is not allowed. */
export function parseListQuery(resource: ResourceDef, params: URLSearchParams): ListQuery {
  let labels: LabelSelector;
  let fields: FieldSelector;
  try {
    labels = parseLabelSelector(params.get('labelSelector'));
    fields = parseFieldSelector(params.get('fieldSelector'));
  } catch (error) {
    if (error instanceof SelectorParseError) throw new ApiError(badRequest(error.message));
    throw error;
  }
  for (const { field } of fields.requirements) {
    if (!resource.fieldLabels.includes(field)) {
      throw new ApiError(badRequest(unsupportedFieldMessage(resource, field)));
    }
  }
  const query: ListQuery = {
    labels,
    fields,
    resourceVersion: params.get('resourceVersion') ?? '',
    resourceVersionMatch: params.get('resourceVersionMatch') ?? '',
    limit: parseInteger(params, 'limit') ?? 0,
    continueToken: params.get('continue') ?? '',
    watch: parseBool(params, 'watch') ?? false,
    allowWatchBookmarks: parseBool(params, 'allowWatchBookmarks') ?? false,
    sendInitialEvents: parseBool(params, 'sendInitialEvents'),
    timeoutSeconds: parseInteger(params, 'timeoutSeconds'),
  };
  if (query.resourceVersion !== '' && !/^\d+$/.test(query.resourceVersion)) {
    throw new ApiError(badRequest(`invalid resource version: ${query.resourceVersion}`));
  }
  const errors = query.watch ? watchErrors(query) : listErrors(query);
  if (errors.length > 0) {
    throw new ApiError(invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', errors));
  }
  return query;
}

function listErrors(q: ListQuery) {
  const errors = [];
  const match = q.resourceVersionMatch;
  if (match) {
    if (!q.resourceVersion) {
      errors.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden unless resourceVersion is provided',
        ),
      );
    }
    if (q.continueToken) {
      errors.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden when continue is provided',
        ),
      );
    }
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errors.push({
        type: 'FieldValueNotSupported',
        field: 'resourceVersionMatch',
        detail: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""`,
      });
    }
    if (match === 'Exact' && q.resourceVersion === '0') {
      errors.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        ),
      );
    }
  }
  if (q.sendInitialEvents !== undefined) {
    errors.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  }
  return errors;
}

function watchErrors(q: ListQuery) {
  const errors = [];
  const match = q.resourceVersionMatch;
  if (q.sendInitialEvents !== undefined) {
    if (match !== 'NotOlderThan') {
      errors.push(
        forbidden(
          'resourceVersionMatch',
          'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        ),
      );
    }
    if (q.sendInitialEvents && !q.allowWatchBookmarks) {
      errors.push(
        forbidden(
          'allowWatchBookmarks',
          'sendInitialEvents requires setting allowWatchBookmarks to true',
        ),
      );
    }
  }
  if (match) {
    if (q.sendInitialEvents === undefined) {
      errors.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
        ),
      );
    }
    if (match !== 'NotOlderThan') {
      errors.push({
        type: 'FieldValueNotSupported',
        field: 'resourceVersionMatch',
        detail: `Unsupported value: "${match}": supported values: "NotOlderThan"`,
      });
    }
  }
  return errors;
}

/** A continue token as the API server makes one: base64 of the list's revision and the next key. */
function encodeContinue(resourceVersion: number, nextKey: string): string {
  const json = JSON.stringify({
    v: 'meta.k8s.io/v1',
    rv: resourceVersion,
    start: `${nextKey}\u0000`,
  });
  return Buffer.from(json).toString('base64url');
}

function decodeContinue(token: string): { resourceVersion: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (
      parsed.v !== 'meta.k8s.io/v1' ||
      typeof parsed.rv !== 'number' ||
      typeof parsed.start !== 'string'
    ) {
      throw new Error('unexpected content');
    }
    return { resourceVersion: parsed.rv, start: parsed.start };
  } catch (error) {
    throw new ApiError(badRequest(`continue key is not valid: ${(error as Error).message}`));
  }
}

async function waitForResourceVersion(store: KubeStore, resourceVersion: number): Promise<void> {
  if (store.resourceVersion >= resourceVersion) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new ApiError(tooLargeResourceVersion(resourceVersion, store.resourceVersion)));
    }, FRESHNESS_WAIT_MS);
    const stop = store.subscribe({
      onEvent: () => {
        if (store.resourceVersion < resourceVersion) return;
        clearTimeout(timer);
        stop();
        resolve();
      },
    });
  });
}

/**
 * A list as the API server serves it: resourceVersion unset is the latest
 * state; "0" or NotOlderThan is any state at least that new (here: the
 * latest, after waiting for the store to reach it); Exact, or a set
 * resourceVersion with a limit, is the state at that revision, 410 Gone once
 * it is compacted. limit and continue page through one consistent snapshot.
 */
export async function listObjects(
  store: KubeStore,
  resource: ResourceDef,
  namespace: string | undefined,
  q: ListQuery,
): Promise<ListResult> {
  let revision: number;
  let objects: KubeObject[] | undefined;
  let start = '';
  if (q.continueToken) {
    const token = decodeContinue(q.continueToken);
    revision = token.resourceVersion;
    start = token.start;
    objects = store.listAt(resource.apiVersion, resource.kind, namespace, revision);
    if (!objects) {
      throw new ApiError(
        expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        ),
      );
    }
  } else {
    const requested = q.resourceVersion === '' ? undefined : Number(q.resourceVersion);
    const exact =
      requested !== undefined &&
      requested !== 0 &&
      (q.resourceVersionMatch === 'Exact' || (q.resourceVersionMatch === '' && q.limit > 0));
    if (requested !== undefined && requested > 0) await waitForResourceVersion(store, requested);
    if (exact && requested !== undefined) {
      revision = requested;
      objects = store.listAt(resource.apiVersion, resource.kind, namespace, revision);
      if (!objects) {
        throw new ApiError(expired('The resourceVersion for the provided list is too old.'));
      }
    } else {
      revision = store.resourceVersion;
      objects = store.list(resource.apiVersion, resource.kind, namespace);
    }
  }
  const key = (o: KubeObject) => objectKey(o.metadata.namespace, o.metadata.name);
  // The token's start key is the last key served plus NUL: the next key up.
  const selected = objects.filter(
    (o) =>
      (start === '' || key(o) >= start) &&
      q.labels.matches(o.metadata.labels) &&
      q.fields.matches(fieldsOf(resource, o)),
  );
  if (q.limit <= 0 || selected.length <= q.limit) {
    return { items: selected, resourceVersion: `${revision}` };
  }
  const page = selected.slice(0, q.limit);
  const last = page.at(-1) as KubeObject;
  const filtered = q.labels.requirements.length > 0 || q.fields.requirements.length > 0;
  return {
    items: page,
    resourceVersion: `${revision}`,
    continueToken: encodeContinue(revision, key(last)),
    ...(filtered ? {} : { remainingItemCount: selected.length - page.length }),
  };
}
