// Original file: protos/grpc/lb/v1/load_balancer.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../../google/protobuf/Duration.js';

export interface InitialLoadBalanceResponse {
  'clientStatsReportInterval'?: (_google_protobuf_Duration | null);
}

export interface InitialLoadBalanceResponse__Output {
  'clientStatsReportInterval': (_google_protobuf_Duration__Output | null);
}
