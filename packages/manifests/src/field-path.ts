/**
 * Field paths as kubectl prints them (`spec.template.spec.containers[0].image`),
 * so a message reads the same whichever check produced it.
 */
export function fieldPath(segments: readonly (string | number)[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** A JSON pointer (`/spec/replicas`, as JSON-schema validators report) as a field path. */
export function pointerToFieldPath(pointer: string): string {
  if (pointer === '') return '';
  return fieldPath(
    pointer
      .slice(1)
      .split('/')
      .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
      .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment)),
  );
}
