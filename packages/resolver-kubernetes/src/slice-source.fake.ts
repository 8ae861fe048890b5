import type { EndpointSlice } from './slice-merge.js';
import type { SliceList, SliceSource, SliceSourceError, WatchEvent } from './slice-source.js';

export interface FakeWatch {
  resourceVersion: string;
  stopped: boolean;
  emit(event: WatchEvent): void;
  end(error?: SliceSourceError): void;
}

/**
 * A SliceSource driven by the test: each list() takes the next queued
 * answer (or the default), and each watch() is recorded so the test can
 * push events into it or end it.
 */
export class FakeSliceSource implements SliceSource {
  namespace: string | undefined = 'ns';
  readonly watches: FakeWatch[] = [];
  listCalls = 0;
  private readonly answers: (SliceList | SliceSourceError)[] = [];

  constructor(public defaultAnswer: SliceList | SliceSourceError = listOf([], '1')) {}

  /** Queues the answers of the next list() calls. */
  answer(...answers: (SliceList | SliceSourceError)[]): this {
    this.answers.push(...answers);
    return this;
  }

  list(): Promise<SliceList> {
    this.listCalls++;
    const answer = this.answers.shift() ?? this.defaultAnswer;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }

  watch(
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    onEnd: (error?: SliceSourceError) => void,
  ): { stop(): void } {
    const watch: FakeWatch = {
      resourceVersion,
      stopped: false,
      emit: (event) => onEvent(event),
      end: (error) => onEnd(error),
    };
    this.watches.push(watch);
    return {
      stop() {
        watch.stopped = true;
      },
    };
  }

  get lastWatch(): FakeWatch {
    const watch = this.watches.at(-1);
    if (!watch) throw new Error('no watch opened');
    return watch;
  }
}

export function listOf(slices: EndpointSlice[], resourceVersion: string): SliceList {
  return { slices, resourceVersion };
}

/** A slice of `service` with one ready endpoint per IP, port `grpc` 50051. */
export function readySlice(name: string, ips: string[], resourceVersion = '1'): EndpointSlice {
  return {
    metadata: { name, resourceVersion },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'grpc', port: 50051 }],
  };
}
