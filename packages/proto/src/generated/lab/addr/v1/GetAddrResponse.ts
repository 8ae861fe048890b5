// Original file: protos/lab/addr/v1/addr.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface GetAddrResponse {
  'podName'?: (string);
  'podIp'?: (string);
  'nodeName'?: (string);
  'startTime'?: (_google_protobuf_Timestamp | null);
  'callsServed'?: (number | string | Long);
}

export interface GetAddrResponse__Output {
  'podName': (string);
  'podIp': (string);
  'nodeName': (string);
  'startTime': (_google_protobuf_Timestamp__Output | null);
  'callsServed': (number);
}
