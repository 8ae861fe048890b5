import { SelectorParseError } from './label-selector.js';

/**
 * Field selectors in the syntax of k8s.io/apimachinery/pkg/fields:
 * `field=value`, `field==value`, `field!=value`, comma-separated, with `\`
 * escaping `,`, `=`, `!` and `\` in values.
 */

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  matches(fields: Record<string, string>): boolean;
}

/** Splits on separators that are not escaped with a backslash. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === ',') {
      terms.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  terms.push(current);
  return terms;
}

function unescapeValue(value: string, whole: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\') {
      const next = value[i + 1];
      if (next === undefined || !'\\,=!'.includes(next)) {
        throw new SelectorParseError(
          `invalid field selector: '${whole}'; invalid escape sequence in '${value}'`,
        );
      }
      out += next;
      i++;
    } else if (c === '=' || c === ',' || c === '!') {
      throw new SelectorParseError(
        `invalid field selector: '${whole}'; unescaped '${c}' in value '${value}'`,
      );
    } else {
      out += c;
    }
  }
  return out;
}

/** Parses a `fieldSelector` query value; throws SelectorParseError (a 400 from the API server). */
export function parseFieldSelector(text: string | null | undefined): FieldSelector {
  const requirements: FieldRequirement[] = [];
  const whole = text ?? '';
  if (whole.trim() !== '') {
    for (const term of splitTerms(whole)) {
      if (term === '') continue;
      const match = /^([^=!]+?)(!=|==|=)(.*)$/s.exec(term);
      if (!match) {
        throw new SelectorParseError(`invalid selector: '${whole}'; can't understand '${term}'`);
      }
      const [, field, op, value] = match as unknown as [string, string, string, string];
      requirements.push({
        field: field.trim(),
        operator: op === '!=' ? '!=' : '=',
        value: unescapeValue(value, whole),
      });
    }
  }
  return {
    requirements,
    matches: (fields) =>
      requirements.every((r) =>
        r.operator === '=' ? fields[r.field] === r.value : fields[r.field] !== r.value,
      ),
  };
}
