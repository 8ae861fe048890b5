// Original file: protos/grpc/lb/v1/load_balancer.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { ClientStatsPerToken as _grpc_lb_v1_ClientStatsPerToken, ClientStatsPerToken__Output as _grpc_lb_v1_ClientStatsPerToken__Output } from '../../../grpc/lb/v1/ClientStatsPerToken.js';
import type { Long } from '@grpc/proto-loader';

export interface ClientStats {
  'timestamp'?: (_google_protobuf_Timestamp | null);
  'numCallsStarted'?: (number | string | Long);
  'numCallsFinished'?: (number | string | Long);
  'numCallsFinishedWithClientFailedToSend'?: (number | string | Long);
  'numCallsFinishedKnownReceived'?: (number | string | Long);
  'callsFinishedWithDrop'?: (_grpc_lb_v1_ClientStatsPerToken)[];
}

export interface ClientStats__Output {
  'timestamp': (_google_protobuf_Timestamp__Output | null);
  'numCallsStarted': (number);
  'numCallsFinished': (number);
  'numCallsFinishedWithClientFailedToSend': (number);
  'numCallsFinishedKnownReceived': (number);
  'callsFinishedWithDrop': (_grpc_lb_v1_ClientStatsPerToken__Output)[];
}
