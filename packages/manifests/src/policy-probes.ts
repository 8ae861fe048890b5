import { duration } from '@lab/cli';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { KubeObject } from './kube-object.js';
import { type ContainerInPod, containers } from './pod-templates.js';
import type { Violation } from './policy-violation.js';

/** What the kubelet does when terminationGracePeriodSeconds is not set. */
const DEFAULT_GRACE_SECONDS = 30;

/**
 * A container that serves: it declares ports, or its pod is a server and no
 * container of it declares any. A helper beside a server that listens on
 * loopback only (linkerd1-daemonset's kubectl proxy) takes no traffic from a
 * Service, so readiness and draining are not its business.
 */
export function isServer({ pod, container }: ContainerInPod): boolean {
  if ((container.ports?.length ?? 0) > 0) return true;
  const anyPorts = (pod.spec.containers ?? []).some((c) => (c.ports?.length ?? 0) > 0);
  return pod.labels['app.kubernetes.io/component'] === 'server' && !anyPorts;
}

/**
 * Servers have a readiness probe (Ready is what every balancer in the lab
 * keys on) and a liveness probe, and stop gracefully: a preStop delay, and a
 * grace period long enough for the delay and the server's own drain.
 */
export function probeViolations(objects: readonly KubeObject[]): Violation[] {
  const violations: Violation[] = [];
  for (const entry of containers(objects).filter(isServer)) {
    const { pod, container, path } = entry;
    const add = (rule: string, field: string, message: string) =>
      violations.push({ rule, object: pod.ref, path: `${path}${field}`, message });
    if (!container.readinessProbe) add('probes', '.readinessProbe', 'a server needs one');
    if (!container.livenessProbe) add('probes', '.livenessProbe', 'a server needs one');
    const preStop = preStopSeconds(container);
    if (preStop === undefined) {
      add(
        'graceful-shutdown',
        '.lifecycle.preStop',
        'a server needs a preStop delay, so that endpoints drop it before it stops taking calls',
      );
      continue;
    }
    const drain = drainSeconds(container.args ?? []);
    if (drain === undefined) continue;
    const grace = pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    if (grace <= preStop + drain) {
      violations.push({
        rule: 'graceful-shutdown',
        object: pod.ref,
        path: `${pod.path}spec.terminationGracePeriodSeconds`,
        message:
          `${grace} s leaves no margin after the preStop delay (${preStop} s) and the ` +
          `server's drain (${drain} s): the kubelet would SIGKILL it before it ends itself`,
      });
    }
  }
  return violations;
}

/** The preStop delay in seconds: the sleep action, or `sleep N` run as a command. */
function preStopSeconds(container: IContainer): number | undefined {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  if (command.length === 2 && /(^|\/)sleep$/.test(command[0] ?? '')) {
    const seconds = Number(command[1]);
    if (Number.isFinite(seconds)) return seconds;
  }
  return undefined;
}

/**
 * Longest time a lab server spends on SIGTERM: --drain-delay plus
 * --shutdown-grace (the flags of @lab/cli servers). Undefined when the args
 * do not state --shutdown-grace, so there is no bound to check.
 */
function drainSeconds(args: readonly string[]): number | undefined {
  const flag = (name: string) => {
    const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
    if (index < 0) return undefined;
    const arg = args[index] ?? '';
    return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1];
  };
  const grace = flag('--shutdown-grace');
  if (grace === undefined) return undefined;
  return (duration(flag('--drain-delay') ?? '0') + duration(grace)) / 1000;
}
