import type { DropShare } from './server-list.js';
import { parseServiceName } from './service-name.js';

export const DROP_RULE_FORM = '<service>=<percent>[:<token>]';

export const DEFAULT_DROP_TOKEN = 'drop';

export interface DropRule extends DropShare {
  /** `namespace/service`, as RequestedService.key. */
  key: string;
}

/**
 * `addr-server.grpc-lb=25:shed`: clients of that Service drop 25 % of their
 * calls and report them under the token `shed`. The service part follows the
 * same rule as requested names (a port, if given, is ignored: the share
 * applies to the Service).
 */
export function parseDropRule(text: string, defaultNamespace: string): DropRule {
  const eq = text.lastIndexOf('=');
  if (eq <= 0) throw new Error(`'${text}' is not ${DROP_RULE_FORM}`);
  const name = text.slice(0, eq);
  const [percentText = '', ...tokenParts] = text.slice(eq + 1).split(':');
  const token = tokenParts.length > 0 ? tokenParts.join(':') : DEFAULT_DROP_TOKEN;
  if (!/^\d+(\.\d{1,2})?%?$/.test(percentText)) {
    throw new Error(
      `'${percentText}' in '${text}' is not a percentage (0 to 100, two decimals at most)`,
    );
  }
  const percent = Number(percentText.replace('%', ''));
  if (percent > 100) throw new Error(`'${percentText}' in '${text}' is over 100`);
  if (token === '' || Buffer.byteLength(token) >= 50 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new Error(
      `token '${token}' in '${text}' must be 1 to 49 printable characters, no spaces`,
    );
  }
  return { key: parseServiceName(name, defaultNamespace).key, percent, token };
}
