import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { AddrServiceClient as _lab_addr_v1_AddrServiceClient, AddrServiceDefinition as _lab_addr_v1_AddrServiceDefinition } from './lab/addr/v1/AddrService.js';
import type { GetAddrRequest as _lab_addr_v1_GetAddrRequest, GetAddrRequest__Output as _lab_addr_v1_GetAddrRequest__Output } from './lab/addr/v1/GetAddrRequest.js';
import type { GetAddrResponse as _lab_addr_v1_GetAddrResponse, GetAddrResponse__Output as _lab_addr_v1_GetAddrResponse__Output } from './lab/addr/v1/GetAddrResponse.js';
import type { WatchAddrRequest as _lab_addr_v1_WatchAddrRequest, WatchAddrRequest__Output as _lab_addr_v1_WatchAddrRequest__Output } from './lab/addr/v1/WatchAddrRequest.js';
import type { WatchAddrResponse as _lab_addr_v1_WatchAddrResponse, WatchAddrResponse__Output as _lab_addr_v1_WatchAddrResponse__Output } from './lab/addr/v1/WatchAddrResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  lab: {
    addr: {
      v1: {
        AddrService: SubtypeConstructor<typeof grpc.Client, _lab_addr_v1_AddrServiceClient> & { service: _lab_addr_v1_AddrServiceDefinition }
        GetAddrRequest: MessageTypeDefinition<_lab_addr_v1_GetAddrRequest, _lab_addr_v1_GetAddrRequest__Output>
        GetAddrResponse: MessageTypeDefinition<_lab_addr_v1_GetAddrResponse, _lab_addr_v1_GetAddrResponse__Output>
        WatchAddrRequest: MessageTypeDefinition<_lab_addr_v1_WatchAddrRequest, _lab_addr_v1_WatchAddrRequest__Output>
        WatchAddrResponse: MessageTypeDefinition<_lab_addr_v1_WatchAddrResponse, _lab_addr_v1_WatchAddrResponse__Output>
      }
    }
  }
}

