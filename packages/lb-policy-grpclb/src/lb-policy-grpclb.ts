import { type ChannelOptions, connectivityState, experimental, logVerbosity } from '@grpc/grpc-js';
import { BalancerStream } from './grpclb-balancer-stream.js';
import { GRPCLB_TYPE, GrpclbConfig } from './grpclb-config.js';
import { GrpclbPicker, type ServerListState } from './grpclb-picker.js';

/** grpc-js tracer name: `GRPC_TRACE=grpclb`. */
export const GRPCLB_TRACER = 'grpclb';

type Endpoints = experimental.StatusOr<experimental.Endpoint[]>;

function trace(text: string): void {
  experimental.trace(logVerbosity.DEBUG, GRPCLB_TRACER, text);
}

let nextId = 1;

/**
 * grpclb for grpc-js, after C-core's policy: a BalanceLoad stream to the
 * balancer named in the config; the backends of its server lists go to a
 * child policy (round_robin by default); the picker drops calls on drop
 * entries, adds each backend's `lb-token`, and counts calls for the load
 * reports. Fallback to the resolver's addresses: when no server list came
 * within the fallback timeout, or the first stream failed before one came, or
 * the balancer says so, or (later) the balancer is gone and no backend of
 * the last list is reachable. A new server list ends fallback. While the
 * balancer is away the last list stays in use.
 */
export class GrpclbLoadBalancer implements experimental.LoadBalancer {
  private readonly id = nextId++;
  private readonly child: experimental.ChildLoadBalancerHandler;
  private config: GrpclbConfig | undefined;
  private options: ChannelOptions = {};
  private fallbackEndpoints: Endpoints = experimental.statusOrFromValue([]);
  private resolutionNote = '';
  private balancer: BalancerStream | undefined;
  private balancerKey = '';
  private serverList: ServerListState | undefined;
  private fallbackMode = false;
  private startupChecksPending = false;
  private fallbackTimer: NodeJS.Timeout | undefined;
  private childState: connectivityState = connectivityState.CONNECTING;
  private childPicker: experimental.Picker | undefined;
  private childError: string | null = null;
  private destroyed = false;

  constructor(private readonly helper: experimental.ChannelControlHelper) {
    this.child = new experimental.ChildLoadBalancerHandler(
      experimental.createChildChannelControlHelper(helper, {
        updateState: (state, picker, errorMessage) => {
          this.childState = state;
          this.childPicker = picker;
          this.childError = errorMessage;
          this.maybeFallBackAfterStartup();
          this.publish();
        },
        // Backends from the balancer are not the resolver's business.
        requestReresolution: () => {
          if (this.fallbackMode) helper.requestReresolution();
        },
      }),
    );
  }

  updateAddressList(
    endpointList: Endpoints,
    lbConfig: experimental.TypedLoadBalancingConfig,
    options: ChannelOptions,
    resolutionNote: string,
  ): boolean {
    if (!(lbConfig instanceof GrpclbConfig)) return false;
    this.config = lbConfig;
    this.options = options;
    this.fallbackEndpoints = endpointList;
    this.resolutionNote = resolutionNote;
    const key = `${lbConfig.balancerTarget}\n${lbConfig.serviceName}\n${lbConfig.initialBackoffMs}\n${lbConfig.maxBackoffMs}`;
    if (!this.balancer || key !== this.balancerKey) {
      this.startBalancer(lbConfig, key);
    } else if (this.fallbackMode || this.serverList) {
      this.updateChild();
    }
    return true;
  }

  exitIdle(): void {
    this.child.exitIdle();
  }

  resetBackoff(): void {
    this.child.resetBackoff();
    this.balancer?.resetBackoff();
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.fallbackTimer);
    this.balancer?.close();
    this.balancer = undefined;
    this.child.destroy();
  }

  getTypeName(): string {
    return GRPCLB_TYPE;
  }

  private log(text: string): void {
    trace(`[${this.id}] ${text}`);
  }

  private startBalancer(config: GrpclbConfig, key: string): void {
    const first = this.balancer === undefined;
    this.balancer?.close();
    this.balancerKey = key;
    this.serverList = undefined;
    this.balancer = new BalancerStream(
      {
        target: config.balancerTarget,
        serviceName: config.serviceName,
        initialBackoffMs: config.initialBackoffMs,
        maxBackoffMs: config.maxBackoffMs,
      },
      {
        serverList: (list) => this.onServerList(list),
        fallback: () => this.onFallbackResponse(),
        ended: (hadList, why) => this.onBalancerEnded(hadList, why),
      },
      (text) => this.log(text),
    );
    if (first) {
      this.startupChecksPending = true;
      this.fallbackTimer = setTimeout(() => {
        if (!this.startupChecksPending || this.destroyed) return;
        this.enterFallback(
          `no server list within the fallback timeout of ${config.fallbackTimeoutMs} ms`,
        );
      }, config.fallbackTimeoutMs);
      this.fallbackTimer.unref();
      this.helper.updateState(
        connectivityState.CONNECTING,
        new experimental.QueuePicker(this),
        null,
      );
    }
    this.balancer.start();
  }

  private onServerList(list: ServerListState): void {
    if (!this.fallbackMode && this.serverList?.text === list.text) {
      this.log('server list unchanged');
      // A new stream may have brought load reporting with it.
      this.publish();
      return;
    }
    this.endStartupChecks();
    if (this.fallbackMode) this.log('server list received: leaving fallback');
    this.fallbackMode = false;
    this.serverList = list;
    this.log(`server list: ${list.text || '(empty)'}`);
    this.updateChild();
  }

  private onFallbackResponse(): void {
    if (this.fallbackMode) return;
    this.endStartupChecks();
    // Forgotten, so that the same list sent again later ends the fallback.
    this.serverList = undefined;
    this.enterFallback('the balancer sent fallback_response');
  }

  private onBalancerEnded(hadList: boolean, why: string): void {
    if (this.destroyed) return;
    this.helper.requestReresolution();
    if (this.startupChecksPending && !hadList) {
      this.enterFallback(`${why}, before any server list`);
      return;
    }
    this.maybeFallBackAfterStartup();
    if (!this.fallbackMode) this.publish();
  }

  /** C-core's rule: balancer lost and no backend of its last list READY. */
  private maybeFallBackAfterStartup(): void {
    if (this.fallbackMode || this.startupChecksPending || this.destroyed) return;
    if (this.balancer?.hasServerList) return;
    if (this.childState === connectivityState.READY) return;
    this.enterFallback('lost the balancer, and no backend of its last list is reachable');
  }

  private enterFallback(why: string): void {
    this.endStartupChecks();
    this.fallbackMode = true;
    this.log(`fallback to the resolver's addresses: ${why}`);
    this.updateChild();
  }

  private endStartupChecks(): void {
    this.startupChecksPending = false;
    clearTimeout(this.fallbackTimer);
    this.fallbackTimer = undefined;
  }

  private updateChild(): void {
    const config = this.config;
    if (!config || this.destroyed) return;
    let endpoints: Endpoints;
    let note: string;
    if (this.fallbackMode) {
      endpoints = this.fallbackEndpoints;
      note = `grpclb in fallback mode: ${this.resolutionNote}`;
    } else {
      endpoints = experimental.statusOrFromValue(this.serverList?.endpoints() ?? []);
      note = this.serverList?.entries.length
        ? 'grpclb server list'
        : 'empty server list from grpclb balancer';
    }
    this.child.updateAddressList(endpoints, config.childPolicy, this.options, note);
    this.publish();
  }

  /** The channel's picker: the child's, wrapped for drops, tokens and load reports. */
  private publish(): void {
    if (this.destroyed || !this.childPicker) return;
    const list = this.fallbackMode ? undefined : this.serverList;
    const drops =
      list && (this.childState === connectivityState.READY || list.allDrops) ? list : undefined;
    const picker = new GrpclbPicker(
      this.childPicker,
      drops,
      list?.tokens ?? new Map(),
      list ? this.balancer?.stats : undefined,
    );
    this.helper.updateState(this.childState, picker, this.childError);
  }
}

/**
 * Registers `grpclb` with grpc-js. Use it in a service config:
 * `{"loadBalancingConfig":[{"grpclb":{"serviceName":"…","balancerAddresses":["ip:port"]}}]}`.
 */
export function setup(): void {
  experimental.registerLoadBalancerType(GRPCLB_TYPE, GrpclbLoadBalancer, GrpclbConfig);
}
