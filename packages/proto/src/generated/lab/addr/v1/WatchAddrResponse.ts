// Original file: protos/lab/addr/v1/addr.proto

import type { GetAddrResponse as _lab_addr_v1_GetAddrResponse, GetAddrResponse__Output as _lab_addr_v1_GetAddrResponse__Output } from '../../../lab/addr/v1/GetAddrResponse.js';
import type { Long } from '@grpc/proto-loader';

export interface WatchAddrResponse {
  'addr'?: (_lab_addr_v1_GetAddrResponse | null);
  'sequence'?: (number | string | Long);
}

export interface WatchAddrResponse__Output {
  'addr': (_lab_addr_v1_GetAddrResponse__Output | null);
  'sequence': (number);
}
