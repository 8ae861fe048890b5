// Original file: protos/lab/addr/v1/addr.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetAddrRequest as _lab_addr_v1_GetAddrRequest, GetAddrRequest__Output as _lab_addr_v1_GetAddrRequest__Output } from '../../../lab/addr/v1/GetAddrRequest.js';
import type { GetAddrResponse as _lab_addr_v1_GetAddrResponse, GetAddrResponse__Output as _lab_addr_v1_GetAddrResponse__Output } from '../../../lab/addr/v1/GetAddrResponse.js';
import type { WatchAddrRequest as _lab_addr_v1_WatchAddrRequest, WatchAddrRequest__Output as _lab_addr_v1_WatchAddrRequest__Output } from '../../../lab/addr/v1/WatchAddrRequest.js';
import type { WatchAddrResponse as _lab_addr_v1_WatchAddrResponse, WatchAddrResponse__Output as _lab_addr_v1_WatchAddrResponse__Output } from '../../../lab/addr/v1/WatchAddrResponse.js';

export interface AddrServiceClient extends grpc.Client {
  GetAddr(argument: _lab_addr_v1_GetAddrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lab_addr_v1_GetAddrResponse__Output>): grpc.ClientUnaryCall;
  GetAddr(argument: _lab_addr_v1_GetAddrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lab_addr_v1_GetAddrResponse__Output>): grpc.ClientUnaryCall;
  GetAddr(argument: _lab_addr_v1_GetAddrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lab_addr_v1_GetAddrResponse__Output>): grpc.ClientUnaryCall;
  GetAddr(argument: _lab_addr_v1_GetAddrRequest, callback: grpc.requestCallback<_lab_addr_v1_GetAddrResponse__Output>): grpc.ClientUnaryCall;
  getAddr(argument: _lab_addr_v1_GetAddrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lab_addr_v1_GetAddrResponse__Output>): grpc.ClientUnaryCall;
  getAddr(argument: _lab_addr_v1_GetAddrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lab_addr_v1_GetAddrResponse__Output>): grpc.ClientUnaryCall;
  getAddr(argument: _lab_addr_v1_GetAddrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lab_addr_v1_GetAddrResponse__Output>): grpc.ClientUnaryCall;
  getAddr(argument: _lab_addr_v1_GetAddrRequest, callback: grpc.requestCallback<_lab_addr_v1_GetAddrResponse__Output>): grpc.ClientUnaryCall;
  
  WatchAddr(argument: _lab_addr_v1_WatchAddrRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_lab_addr_v1_WatchAddrResponse__Output>;
  WatchAddr(argument: _lab_addr_v1_WatchAddrRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_lab_addr_v1_WatchAddrResponse__Output>;
  watchAddr(argument: _lab_addr_v1_WatchAddrRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_lab_addr_v1_WatchAddrResponse__Output>;
  watchAddr(argument: _lab_addr_v1_WatchAddrRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_lab_addr_v1_WatchAddrResponse__Output>;
  
}

export interface AddrServiceHandlers extends grpc.UntypedServiceImplementation {
  GetAddr: grpc.handleUnaryCall<_lab_addr_v1_GetAddrRequest__Output, _lab_addr_v1_GetAddrResponse>;
  
  WatchAddr: grpc.handleServerStreamingCall<_lab_addr_v1_WatchAddrRequest__Output, _lab_addr_v1_WatchAddrResponse>;
  
}

export interface AddrServiceDefinition extends grpc.ServiceDefinition {
  GetAddr: MethodDefinition<_lab_addr_v1_GetAddrRequest, _lab_addr_v1_GetAddrResponse, _lab_addr_v1_GetAddrRequest__Output, _lab_addr_v1_GetAddrResponse__Output>
  WatchAddr: MethodDefinition<_lab_addr_v1_WatchAddrRequest, _lab_addr_v1_WatchAddrResponse, _lab_addr_v1_WatchAddrRequest__Output, _lab_addr_v1_WatchAddrResponse__Output>
}
