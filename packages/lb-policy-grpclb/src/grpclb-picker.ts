import { experimental, Metadata, status } from '@grpc/grpc-js';
import type { GrpclbClientStats } from './grpclb-client-stats.js';

/** The initial-metadata key a backend reads its token from (C-core, Go, Java). */
export const LB_TOKEN_KEY = 'lb-token';

/** C-core's wording for a call the balancer told the client to drop. */
export const DROP_DETAILS = 'drop directed by grpclb balancer';

type Picker = experimental.Picker;
type PickArgs = experimental.PickArgs;
type PickResult = experimental.PickResult;
type SubchannelInterface = experimental.SubchannelInterface;

/** One entry of a received server list, decoded. */
export type ServerEntry =
  | { drop: true; token: string }
  | { drop: false; host: string; port: number; token: string };

/**
 * A server list as the picker uses it: the drop rotation (one counter per
 * list, shared by every picker made from it, so a new picker does not start
 * the rotation over) and the token of each backend address.
 */
export class ServerListState {
  private dropIndex = 0;
  readonly tokens: ReadonlyMap<string, string>;
  readonly hasDrops: boolean;
  readonly allDrops: boolean;

  constructor(
    readonly entries: readonly ServerEntry[],
    /** A stable text of the list: equal texts, equal lists. */
    readonly text: string,
  ) {
    const tokens = new Map<string, string>();
    for (const e of entries) {
      if (!e.drop && e.token !== '') {
        tokens.set(experimental.subchannelAddressToString({ host: e.host, port: e.port }), e.token);
      }
    }
    this.tokens = tokens;
    this.hasDrops = entries.some((e) => e.drop);
    this.allDrops = entries.length > 0 && entries.every((e) => e.drop);
  }

  /** The backend entries, for the child policy. */
  endpoints(): experimental.Endpoint[] {
    return this.entries.flatMap((e) =>
      e.drop ? [] : [{ addresses: [{ host: e.host, port: e.port }] }],
    );
  }

  /** Takes the next turn of the list: a drop token, or undefined for "send the call". */
  nextDrop(): string | undefined {
    if (!this.hasDrops) return undefined;
    const entry = this.entries[this.dropIndex % this.entries.length]!;
    this.dropIndex = (this.dropIndex + 1) % this.entries.length;
    return entry.drop ? entry.token : undefined;
  }
}

/**
 * The picker grpclb hands the channel, around its child policy's picker, as
 * C-core's: first the drop turn (only when `drops` is given, i.e. the child
 * is READY or every entry is a drop: a queued pick is retried, and would
 * otherwise take several drop turns for one call), then the child's pick, to
 * which it adds the backend's `lb-token` and, while load reporting is on, a
 * tracker that counts the call.
 */
export class GrpclbPicker implements Picker {
  constructor(
    private readonly child: Picker,
    private readonly drops: ServerListState | undefined,
    private readonly tokens: ReadonlyMap<string, string>,
    private readonly stats: GrpclbClientStats | undefined,
  ) {}

  pick(args: PickArgs): PickResult {
    const dropToken = this.drops?.nextDrop();
    if (dropToken !== undefined) {
      this.stats?.callDropped(dropToken);
      return {
        pickResultType: experimental.PickResultType.DROP,
        subchannel: null,
        status: { code: status.UNAVAILABLE, details: DROP_DETAILS, metadata: new Metadata() },
        onCallStarted: null,
        onCallEnded: null,
      };
    }
    const result = this.child.pick(args);
    if (result.pickResultType !== experimental.PickResultType.COMPLETE || !result.subchannel) {
      return result;
    }
    // The channel sends exactly the metadata object it passed to pick().
    const token = this.tokens.get(result.subchannel.getAddress());
    if (token !== undefined) args.metadata.set(LB_TOKEN_KEY, token);
    if (!this.stats) return result;
    return { ...result, subchannel: trackCall(result.subchannel, this.stats) };
  }
}

/** The parts of grpc-js's internal subchannel call listener this file touches. */
interface CallListener {
  onReceiveMetadata(metadata: Metadata): void;
  onReceiveMessage(message: unknown): void;
  onReceiveStatus(status: { code: status; rstCode?: number }): void;
}

interface RealSubchannel {
  createCall(
    metadata: Metadata,
    host: string,
    method: string,
    listener: CallListener,
    callId?: number,
  ): unknown;
}

const NGHTTP2_REFUSED_STREAM = 7;

/**
 * A view of `subchannel` for one call that counts it for load reporting.
 * grpc-js's pick result has onCallStarted and onCallEnded(code, details,
 * trailers), but nothing tells whether the server saw the call, which
 * `num_calls_finished_known_received` needs (C-core's load-reporting filter
 * looks for the server's response headers). The channel starts a picked call
 * with `subchannel.getRealSubchannel().createCall(…, listener)`, so this view
 * hands out a real subchannel whose createCall wraps the listener. Both
 * objects inherit everything else from the originals (Object.create): no
 * listener is registered and nothing outlives the call.
 */
function trackCall(subchannel: SubchannelInterface, stats: GrpclbClientStats): SubchannelInterface {
  const view = Object.create(subchannel) as SubchannelInterface;
  view.getRealSubchannel = () => {
    const real = subchannel.getRealSubchannel() as unknown as RealSubchannel;
    const tracked = Object.create(real) as RealSubchannel;
    tracked.createCall = (metadata, host, method, listener, callId) => {
      let received = false;
      const wrapped: CallListener = {
        onReceiveMetadata: (m) => {
          received = true;
          listener.onReceiveMetadata(m);
        },
        onReceiveMessage: (m) => {
          received = true;
          listener.onReceiveMessage(m);
        },
        onReceiveStatus: (s) => {
          const refused = !received && s.rstCode === NGHTTP2_REFUSED_STREAM;
          stats.callFinished({ failedToSend: refused, knownReceived: received });
          listener.onReceiveStatus(s);
        },
      };
      stats.callStarted();
      try {
        return real.createCall(metadata, host, method, wrapped, callId);
      } catch (error) {
        stats.callFinished({ failedToSend: true, knownReceived: false });
        throw error;
      }
    };
    return tracked as never;
  };
  return view;
}
