/**
 * Label selectors in the syntax of k8s.io/apimachinery/pkg/labels: `=`, `==`,
 * `!=`, `in`, `notin`, `key` (exists), `!key` (does not exist), `>` and `<`,
 * comma-separated and all required. No npm package parses this grammar, so it
 * is written here after labels.Parse.
 */

export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export class SelectorParseError extends Error {}

export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  matches(labels: Record<string, string> | undefined): boolean;
}

type Token =
  | { kind: 'id'; text: string }
  | { kind: 'op'; text: '!' | '=' | '==' | '!=' | '>' | '<' | ',' | '(' | ')' }
  | { kind: 'end'; text: '' };

const SPECIAL = new Set(['!', '=', ',', '(', ')', '<', '>']);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' && input[i + 1] === '=') {
      tokens.push({ kind: 'op', text: '==' });
      i += 2;
    } else if (c === '!' && input[i + 1] === '=') {
      tokens.push({ kind: 'op', text: '!=' });
      i += 2;
    } else if (SPECIAL.has(c)) {
      tokens.push({ kind: 'op', text: c as '!' });
      i++;
    } else {
      let j = i;
      while (j < input.length && !SPECIAL.has(input[j] as string) && !/\s/.test(input[j] as string))
        j++;
      tokens.push({ kind: 'id', text: input.slice(i, j) });
      i = j;
    }
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

// Label keys and values as apimachinery's validation accepts them.
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const nameOk = name.length <= 63 && NAME.test(name);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!nameOk || !prefixOk) {
    throw new SelectorParseError(
      `unable to parse requirement: key: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

function validateValue(key: string, value: string, index: number): void {
  if (value === '' || (value.length <= 63 && NAME.test(value))) return;
  throw new SelectorParseError(
    `unable to parse requirement: values[${index}][${key}]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
  );
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    if (this.peek().kind === 'end') return requirements;
    for (;;) {
      requirements.push(this.requirement());
      const next = this.next();
      if (next.kind === 'end') return requirements;
      if (next.text !== ',') throw this.unexpected(next, "',' or 'end of string'");
    }
  }

  private requirement(): LabelRequirement {
    const first = this.next();
    if (first.kind === 'op' && first.text === '!') {
      const key = this.next();
      if (key.kind !== 'id') throw this.unexpected(key, 'identifier');
      validateKey(key.text);
      return { key: key.text, operator: '!', values: [] };
    }
    if (first.kind !== 'id') throw this.unexpected(first, "!, identifier, or 'end of string'");
    const key = first.text;
    validateKey(key);
    const op = this.peek();
    if (op.kind === 'end' || op.text === ',') return { key, operator: 'exists', values: [] };
    this.next();
    if (op.kind === 'id' && (op.text === 'in' || op.text === 'notin')) {
      const values = this.set();
      if (values.length === 0) {
        throw new SelectorParseError(
          "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty",
        );
      }
      for (const [i, v] of values.entries()) validateValue(key, v, i);
      return { key, operator: op.text, values };
    }
    if (op.kind === 'op' && ['=', '==', '!=', '>', '<'].includes(op.text)) {
      const value = this.peek().kind === 'id' ? this.next().text : '';
      if (op.text === '>' || op.text === '<') {
        if (!/^-?\d+$/.test(value)) {
          throw new SelectorParseError(
            `unable to parse requirement: values[0][${key}]: Invalid value: "${value}": for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
        return { key, operator: op.text === '>' ? 'gt' : 'lt', values: [value] };
      }
      validateValue(key, value, 0);
      return { key, operator: op.text === '!=' ? '!=' : '=', values: [value] };
    }
    throw this.unexpected(op, "'=', '!=', '==', 'in', notin'");
  }

  private set(): string[] {
    const open = this.next();
    if (open.text !== '(') throw this.unexpected(open, "'('");
    const values: string[] = [];
    if (this.peek().text === ')') {
      this.next();
      return values;
    }
    for (;;) {
      // An empty value between commas is allowed, as labels.Parse allows it.
      values.push(this.peek().kind === 'id' ? this.next().text : '');
      const next = this.next();
      if (next.text === ')') return values;
      if (next.text !== ',') throw this.unexpected(next, "',' or ')'");
    }
  }

  private peek(): Token {
    return this.tokens[this.position] ?? { kind: 'end', text: '' };
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.position++;
    return token;
  }

  private unexpected(token: Token, expected: string): SelectorParseError {
    return new SelectorParseError(
      `unable to parse requirement: found '${token.text}', expected: ${expected}`,
    );
  }
}

function matchesRequirement(
  requirement: LabelRequirement,
  labels: Record<string, string>,
): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case '=':
    case 'in':
      return has && requirement.values.includes(value as string);
    case '!=':
    case 'notin':
      return !has || !requirement.values.includes(value as string);
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value as string)) return false;
      const actual = Number(value);
      const bound = Number(requirement.values[0]);
      return requirement.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

/** Parses a `labelSelector` query value; throws SelectorParseError (a 400 from the API server). */
export function parseLabelSelector(text: string | null | undefined): LabelSelector {
  const requirements = new Parser(tokenize(text ?? '')).parse();
  return {
    requirements,
    matches: (labels) => requirements.every((r) => matchesRequirement(r, labels ?? {})),
  };
}

/** `matchLabels` as the selector string kubectl and the Scale status show: `a=b,c=d`. */
export function formatMatchLabels(matchLabels: Record<string, string>): string {
  return Object.keys(matchLabels)
    .sort()
    .map((key) => `${key}=${matchLabels[key]}`)
    .join(',');
}
