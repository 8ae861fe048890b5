import {
  CoreV1Api,
  type Informer,
  type KubeConfig,
  makeInformer,
  type V1Pod,
} from '@kubernetes/client-node';
import type { CommandRunner } from './command-plan.js';
import type { LabEvent, PodRecord } from './engine-types.js';

/** Where a runtime on a real cluster learns about its server's pods. */
export interface PodObserver {
  /** Resolves once the first list has arrived; events follow as pods change. */
  start(onEvent: (event: LabEvent) => void): Promise<void>;
  pods(): PodRecord[];
  /** `oldest`, `newest` or a pod name: the name of a running pod to delete. */
  resolve(pod: string): string;
  stop(): Promise<void>;
}

export interface PodWatchTarget {
  namespace: string;
  /** The server pods' label selector: `app.kubernetes.io/name=<server>`. */
  labelSelector: string;
}

function isReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some(
    (condition) => condition.type === 'Ready' && condition.status === 'True',
  );
}

/** How the pod's containers ended, once every one has; undefined while any runs. */
function exitOf(pod: V1Pod): string | undefined {
  const phase = pod.status?.phase;
  const statuses = pod.status?.containerStatuses ?? [];
  const terminated = statuses.map((status) => status.state?.terminated);
  if (statuses.length > 0 && terminated.every((state) => state !== undefined)) {
    return terminated
      .map((state) => `code ${state?.exitCode}${state?.reason ? `, ${state.reason}` : ''}`)
      .join('; ');
  }
  if (phase === 'Succeeded' || phase === 'Failed') return phase;
  return undefined;
}

/**
 * Turns what the API says about each pod into the engine's PodRecords and
 * pod events. Times are when the change was seen, in milliseconds: the API's
 * own timestamps have a resolution of one second, too coarse for the time
 * from Ready to a pod's first call.
 */
export class PodTracker {
  private readonly records = new Map<string, PodRecord>();
  private readonly ready = new Map<string, boolean>();

  constructor(
    private readonly emit: (event: LabEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  seen(pod: V1Pod): void {
    const name = pod.metadata?.name;
    if (!name) return;
    const at = this.now();
    let record = this.records.get(name);
    if (!record) {
      record = {
        name,
        ip: pod.status?.podIP ?? '',
        node: pod.spec?.nodeName ?? '',
        createdAt: at,
      };
      this.records.set(name, record);
      this.event(at, 'pod-created', name, `${name} created`);
    }
    record.ip = pod.status?.podIP ?? record.ip;
    record.node = pod.spec?.nodeName ?? record.node;
    const terminating = pod.metadata?.deletionTimestamp !== undefined;
    const ready = isReady(pod);
    const wasReady = this.ready.get(name) ?? false;
    this.ready.set(name, ready);
    if (ready && !wasReady && !terminating) {
      record.readyAt ??= at;
      this.event(at, 'pod-ready', name, `${name} Ready (${record.ip}) on ${record.node}`);
    } else if (!ready && wasReady && !terminating) {
      this.event(at, 'pod-not-ready', name, `${name} not Ready`);
    }
    if (terminating && record.terminatingAt === undefined) {
      record.terminatingAt = at;
      const grace = pod.metadata?.deletionGracePeriodSeconds;
      this.event(
        at,
        'pod-terminating',
        name,
        `${name} terminating${grace === undefined ? '' : ` (grace ${grace} s)`}`,
      );
    }
    const exit = exitOf(pod);
    if (exit !== undefined && record.exitedAt === undefined) {
      record.exitedAt = at;
      this.event(at, 'pod-exited', name, `${name} exited (${exit})`);
    }
  }

  /** The pod object is gone from the API: its containers have stopped. */
  gone(pod: V1Pod): void {
    this.seen(pod);
    const record = this.records.get(pod.metadata?.name ?? '');
    if (!record || record.exitedAt !== undefined) return;
    const at = this.now();
    record.exitedAt = at;
    record.terminatingAt ??= at;
    this.event(at, 'pod-exited', record.name, `${record.name} exited (deleted)`);
  }

  pods(): PodRecord[] {
    return [...this.records.values()].map((record) => ({ ...record }));
  }

  resolve(pod: string): string {
    const live = [...this.records.values()]
      .filter((record) => record.terminatingAt === undefined && record.exitedAt === undefined)
      .sort((a, b) => a.createdAt - b.createdAt);
    const chosen =
      pod === 'oldest'
        ? live[0]
        : pod === 'newest'
          ? live.at(-1)
          : live.find((record) => record.name === pod);
    if (!chosen) throw new Error(`kill-pod: no running pod matches '${pod}'`);
    return chosen.name;
  }

  private event(at: number, kind: LabEvent['kind'], pod: string, detail: string): void {
    this.emit({ at, kind, pod, detail });
  }
}

const RESTART_DELAY_MS = 1000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The server's pods from the Kubernetes API: an informer (list, then watch)
 * through @kubernetes/client-node, with the kubeconfig context the runtime
 * names. It serves a kind cluster and any other cluster alike.
 */
export class KubePodWatch implements PodObserver {
  private informer: Informer<V1Pod> | undefined;
  private tracker: PodTracker | undefined;
  private stopped = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly target: PodWatchTarget,
  ) {}

  async start(onEvent: (event: LabEvent) => void): Promise<void> {
    const { namespace, labelSelector } = this.target;
    const tracker = new PodTracker(onEvent);
    this.tracker = tracker;
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1Pod>(
      this.kubeConfig,
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      () => core.listNamespacedPod({ namespace, labelSelector }),
      labelSelector,
    );
    informer.on('add', (pod) => tracker.seen(pod));
    informer.on('update', (pod) => tracker.seen(pod));
    informer.on('delete', (pod) => tracker.gone(pod));
    // The informer reports a failed list or watch through `error` and stops;
    // the first list failing fails the start, a later error starts it again
    // (it resumes from the last resourceVersion, or lists anew after a 410).
    let startError: unknown;
    let starting = true;
    informer.on('error', (error: unknown) => {
      if (this.stopped) return;
      if (starting) {
        startError ??= error;
        return;
      }
      onEvent({
        at: Date.now(),
        kind: 'note',
        detail: `pod watch: ${messageOf(error)}; starting it again`,
      });
      setTimeout(() => {
        if (!this.stopped) informer.start().catch(() => {});
      }, RESTART_DELAY_MS);
    });
    this.informer = informer;
    await informer.start();
    starting = false;
    if (startError !== undefined) {
      await this.stop();
      throw new Error(
        `cannot list the pods of namespace ${namespace} (${labelSelector}): ${messageOf(startError)}`,
      );
    }
  }

  pods(): PodRecord[] {
    return this.tracker?.pods() ?? [];
  }

  resolve(pod: string): string {
    if (!this.tracker) throw new Error('kill-pod: the pod watch has not started');
    return this.tracker.resolve(pod);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
  }
}

/**
 * The plan's stand-in: it says what would be watched, knows no pods, and
 * names the pod a step would delete by what the step asked for.
 */
export class PlannedPodWatch implements PodObserver {
  constructor(
    private readonly runner: CommandRunner,
    private readonly description: string,
  ) {}

  async start(): Promise<void> {
    this.runner.note(this.description);
  }

  pods(): PodRecord[] {
    return [];
  }

  resolve(pod: string): string {
    return `<${pod}>`;
  }

  async stop(): Promise<void> {}
}
