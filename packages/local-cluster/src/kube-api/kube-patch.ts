import jsonPatch from 'fast-json-patch';
import mergePatch from 'json-merge-patch';
import { ApiError, badRequest, unprocessable, unsupportedMediaType } from './kube-status.js';

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasDirective(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasDirective);
  if (!isPlainObject(value)) return false;
  return Object.entries(value).some(([key, inner]) => key.startsWith('$') || hasDirective(inner));
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ApiError(badRequest(`error decoding patch: ${(error as Error).message}`));
  }
}

/**
 * Applies a PATCH body to `target` by its Content-Type, as the API server's
 * patch handler: JSON patch (RFC 6902), merge patch (RFC 7396), or strategic
 * merge patch. For the objects patched here (Scale, and a Deployment's
 * spec.replicas) a strategic merge patch without directives is a merge
 * patch: the lists whose merge keys make it differ are not patchable here.
 */
export function applyPatch(
  target: unknown,
  contentType: string | undefined,
  body: string,
): unknown {
  const type = (contentType ?? '').split(';')[0]?.trim() ?? '';
  if (!(PATCH_TYPES as readonly string[]).includes(type)) {
    throw new ApiError(unsupportedMediaType(PATCH_TYPES));
  }
  const patch = parseBody(body);
  if (type === 'application/json-patch+json') {
    if (!Array.isArray(patch)) {
      throw new ApiError(
        badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch'),
      );
    }
    const invalid = jsonPatch.validate(patch as jsonPatch.Operation[], target);
    if (invalid) throw new ApiError(unprocessable(invalid.message));
    try {
      return jsonPatch.applyPatch(target, patch as jsonPatch.Operation[], false, false).newDocument;
    } catch (error) {
      throw new ApiError(unprocessable((error as Error).message));
    }
  }
  if (!isPlainObject(patch)) {
    throw new ApiError(badRequest('invalid JSON document: a merge patch must be a JSON object'));
  }
  if (type === 'application/strategic-merge-patch+json' && hasDirective(patch)) {
    throw new ApiError(
      badRequest('strategic merge patch directives ($patch, $setElementOrder...) are not served'),
    );
  }
  return mergePatch.apply(structuredClone(target), patch);
}
