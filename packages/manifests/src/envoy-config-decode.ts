import protobuf from 'protobufjs';
import { parse } from 'yaml';
import { isRecord } from './kube-object.js';
import { envoyRoot } from './envoy-protos.js';

/** One place where a config breaks Envoy's v3 API. */
export interface EnvoyConfigIssue {
  /** Field path from the config's root, as in the YAML: `static_resources.clusters[0].type`. */
  path: string;
  message: string;
}

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

/**
 * Checks a YAML bootstrap the way Envoy loads one: YAML to JSON, then
 * protobuf's JSON mapping into envoy.config.bootstrap.v3.Bootstrap with
 * unknown fields rejected, every Any resolved by its type URL and checked as
 * that message. On top, what would only fail later inside Envoy: fields the
 * v3 API marks deprecated, more than one member of a oneof, and the
 * protoc-gen-validate rules `message.required` and `string.min_len`.
 */
export function envoyBootstrapIssues(yamlText: string): EnvoyConfigIssue[] {
  let config: unknown;
  try {
    config = parse(yamlText);
  } catch (error) {
    return [{ path: '', message: `not valid YAML: ${(error as Error).message}` }];
  }
  return envoyMessageIssues(BOOTSTRAP_TYPE, config);
}

/** The same check for any Envoy message, by its full name. */
export function envoyMessageIssues(typeName: string, value: unknown): EnvoyConfigIssue[] {
  const issues: EnvoyConfigIssue[] = [];
  new Decoder(envoyRoot(), issues).message(envoyRoot().lookupType(typeName), value, '');
  return issues;
}

export function formatEnvoyIssue(issue: EnvoyConfigIssue): string {
  return `${issue.path || '(root)'}: ${issue.message}`;
}

const lowerCamel = (name: string) =>
  name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

/** google.protobuf wrappers: their JSON is the wrapped scalar itself. */
const WRAPPERS: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

/** Well-known types whose JSON is not an object of their fields (an Any holds them under `value`). */
const SPECIAL_JSON = new Set([
  ...Object.keys(WRAPPERS),
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.FieldMask',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
]);

const fullName = (type: protobuf.ReflectionObject) => type.fullName.replace(/^\./, '');

class Decoder {
  constructor(
    private readonly root: protobuf.Root,
    private readonly issues: EnvoyConfigIssue[],
  ) {}

  private add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  message(type: protobuf.Type, value: unknown, path: string): void {
    const name = fullName(type);
    if (name === 'google.protobuf.Any') {
      this.any(value, path);
      return;
    }
    if (SPECIAL_JSON.has(name)) {
      this.wellKnown(name, value, path);
      return;
    }
    if (!isRecord(value)) {
      this.add(path, `must be an object (${name})`);
      return;
    }
    const seen = new Map<string, string>();
    for (const [key, fieldValue] of Object.entries(value)) {
      const at = join(path, key);
      const field = type.fields[key] ?? type.fieldsArray.find((f) => lowerCamel(f.name) === key);
      if (!field) {
        this.add(at, `unknown field in ${name}`);
        continue;
      }
      if (seen.has(field.name)) {
        this.add(at, `given twice (also as ${seen.get(field.name)})`);
        continue;
      }
      seen.set(field.name, key);
      if (field.options?.deprecated === true) {
        this.add(at, `deprecated in Envoy's v3 API (${name}.${field.name})`);
      }
      if (fieldValue === null) continue;
      this.field(field, fieldValue, at);
    }
    for (const oneof of type.oneofsArray) {
      const set = oneof.fieldsArray.filter((f) => seen.has(f.name));
      if (set.length > 1) {
        this.add(
          path,
          `${set.map((f) => seen.get(f.name)).join(' and ')}: one of ${oneof.name} only`,
        );
      }
    }
    for (const field of type.fieldsArray) {
      const given = seen.has(field.name) ? value[seen.get(field.name) ?? ''] : undefined;
      const rules = field.options ?? {};
      // A oneof member is required only once chosen; the oneof's own rule says whether one must be.
      if (
        rules['(validate.rules).message.required'] === true &&
        !field.partOf &&
        (given ?? null) === null
      ) {
        this.add(join(path, field.name), `required by ${name}`);
      }
      const minLen = rules['(validate.rules).string.min_len'];
      if (typeof minLen === 'number' && typeof given === 'string' && given.length < minLen) {
        this.add(join(path, field.name), `at least ${minLen} character(s)`);
      }
      if (
        typeof minLen === 'number' &&
        minLen > 0 &&
        given === undefined &&
        !field.partOf &&
        !field.repeated
      ) {
        this.add(join(path, field.name), `required by ${name} (at least ${minLen} character(s))`);
      }
    }
  }

  private field(field: protobuf.Field, value: unknown, path: string): void {
    if (field.map) {
      if (!isRecord(value)) {
        this.add(path, 'must be an object (a map)');
        return;
      }
      for (const [key, entry] of Object.entries(value))
        this.value(field, entry, `${path}["${key}"]`);
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        this.add(path, 'must be a list');
        return;
      }
      for (const [i, entry] of value.entries()) this.value(field, entry, `${path}[${i}]`);
      return;
    }
    this.value(field, value, path);
  }

  private value(field: protobuf.Field, value: unknown, path: string): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      this.message(resolved, value, path);
      return;
    }
    if (resolved instanceof protobuf.Enum) {
      this.enumValue(resolved, value, path);
      return;
    }
    this.scalar(field.type, value, path);
  }

  private enumValue(type: protobuf.Enum, value: unknown, path: string): void {
    if (typeof value === 'string' && Object.hasOwn(type.values, value)) return;
    if (typeof value === 'number' && Number.isInteger(value) && value in type.valuesById) return;
    this.add(path, `must be one of ${Object.keys(type.values).join(', ')} (${fullName(type)})`);
  }

  private scalar(type: string, value: unknown, path: string): void {
    const numeric =
      typeof value === 'number' ||
      (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value));
    const n = Number(value);
    const ok = (() => {
      if (type === 'string') return typeof value === 'string';
      if (type === 'bool') return typeof value === 'boolean';
      if (type === 'bytes')
        return typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value);
      if (type === 'double' || type === 'float') {
        return numeric || value === 'NaN' || value === 'Infinity' || value === '-Infinity';
      }
      if (!numeric || !Number.isInteger(n)) return false;
      if (INT32.has(type)) return n >= -(2 ** 31) && n < 2 ** 31;
      if (UINT32.has(type)) return n >= 0 && n < 2 ** 32;
      if (INT64.has(type))
        return !type.startsWith('u') && !type.startsWith('fixed') ? true : n >= 0;
      return false;
    })();
    if (!ok) this.add(path, `must be a ${type}`);
  }

  private any(value: unknown, path: string): void {
    if (!isRecord(value)) {
      this.add(path, 'must be an object (google.protobuf.Any)');
      return;
    }
    const url = value['@type'];
    if (typeof url !== 'string' || !url.includes('/')) {
        this.add(join(path, '@type'), 'an Any needs @type: type.googleapis.com/<message>');
        return;
    }
    const name = url.slice(url.lastIndexOf('/') + 1);
    let type: protobuf.Type;
    try {
      type = this.root.lookupType(name);
    } catch {
        this.add(join(path, '@type'), `unknown type ${name}: not an extension this check knows`);
        return;
    }
    const { '@type': _, ...rest } = value;
    if (SPECIAL_JSON.has(fullName(type))) {
      const keys = Object.keys(rest);
      if (keys.some((key) => key !== 'value')) this.add(path, `${name} in an Any goes under value`);
        this.wellKnown(fullName(type), rest.value, join(path, 'value'));
        return;
    }
    this.message(type, rest, path);
  }

  private wellKnown(name: string, value: unknown, path: string): void {
    const wrapped = WRAPPERS[name];
    if (wrapped) {
      this.scalar(wrapped, value, path);
      return;
    }
    switch (name) {
      case 'google.protobuf.Duration':
        if (typeof value !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(value)) {
          this.add(path, 'must be a duration in seconds, such as "5s" or "0.25s"');
        }
        return;
      case 'google.protobuf.Timestamp':
      case 'google.protobuf.FieldMask':
        if (typeof value !== 'string') this.add(path, `must be a string (${name})`);
        return;
      case 'google.protobuf.Struct':
        if (!isRecord(value)) this.add(path, 'must be an object (google.protobuf.Struct)');
        return;
      case 'google.protobuf.ListValue':
        if (!Array.isArray(value)) this.add(path, 'must be a list (google.protobuf.ListValue)');
        return;
      default:
        return;
    }
  }
}
