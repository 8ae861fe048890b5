import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from './google/protobuf/Duration.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { ClientStats as _grpc_lb_v1_ClientStats, ClientStats__Output as _grpc_lb_v1_ClientStats__Output } from './grpc/lb/v1/ClientStats.js';
import type { ClientStatsPerToken as _grpc_lb_v1_ClientStatsPerToken, ClientStatsPerToken__Output as _grpc_lb_v1_ClientStatsPerToken__Output } from './grpc/lb/v1/ClientStatsPerToken.js';
import type { FallbackResponse as _grpc_lb_v1_FallbackResponse, FallbackResponse__Output as _grpc_lb_v1_FallbackResponse__Output } from './grpc/lb/v1/FallbackResponse.js';
import type { InitialLoadBalanceRequest as _grpc_lb_v1_InitialLoadBalanceRequest, InitialLoadBalanceRequest__Output as _grpc_lb_v1_InitialLoadBalanceRequest__Output } from './grpc/lb/v1/InitialLoadBalanceRequest.js';
import type { InitialLoadBalanceResponse as _grpc_lb_v1_InitialLoadBalanceResponse, InitialLoadBalanceResponse__Output as _grpc_lb_v1_InitialLoadBalanceResponse__Output } from './grpc/lb/v1/InitialLoadBalanceResponse.js';
import type { LoadBalanceRequest as _grpc_lb_v1_LoadBalanceRequest, LoadBalanceRequest__Output as _grpc_lb_v1_LoadBalanceRequest__Output } from './grpc/lb/v1/LoadBalanceRequest.js';
import type { LoadBalanceResponse as _grpc_lb_v1_LoadBalanceResponse, LoadBalanceResponse__Output as _grpc_lb_v1_LoadBalanceResponse__Output } from './grpc/lb/v1/LoadBalanceResponse.js';
import type { LoadBalancerClient as _grpc_lb_v1_LoadBalancerClient, LoadBalancerDefinition as _grpc_lb_v1_LoadBalancerDefinition } from './grpc/lb/v1/LoadBalancer.js';
import type { Server as _grpc_lb_v1_Server, Server__Output as _grpc_lb_v1_Server__Output } from './grpc/lb/v1/Server.js';
import type { ServerList as _grpc_lb_v1_ServerList, ServerList__Output as _grpc_lb_v1_ServerList__Output } from './grpc/lb/v1/ServerList.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Duration: MessageTypeDefinition<_google_protobuf_Duration, _google_protobuf_Duration__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  grpc: {
    lb: {
      v1: {
        ClientStats: MessageTypeDefinition<_grpc_lb_v1_ClientStats, _grpc_lb_v1_ClientStats__Output>
        ClientStatsPerToken: MessageTypeDefinition<_grpc_lb_v1_ClientStatsPerToken, _grpc_lb_v1_ClientStatsPerToken__Output>
        FallbackResponse: MessageTypeDefinition<_grpc_lb_v1_FallbackResponse, _grpc_lb_v1_FallbackResponse__Output>
        InitialLoadBalanceRequest: MessageTypeDefinition<_grpc_lb_v1_InitialLoadBalanceRequest, _grpc_lb_v1_InitialLoadBalanceRequest__Output>
        InitialLoadBalanceResponse: MessageTypeDefinition<_grpc_lb_v1_InitialLoadBalanceResponse, _grpc_lb_v1_InitialLoadBalanceResponse__Output>
        LoadBalanceRequest: MessageTypeDefinition<_grpc_lb_v1_LoadBalanceRequest, _grpc_lb_v1_LoadBalanceRequest__Output>
        LoadBalanceResponse: MessageTypeDefinition<_grpc_lb_v1_LoadBalanceResponse, _grpc_lb_v1_LoadBalanceResponse__Output>
        LoadBalancer: SubtypeConstructor<typeof grpc.Client, _grpc_lb_v1_LoadBalancerClient> & { service: _grpc_lb_v1_LoadBalancerDefinition }
        Server: MessageTypeDefinition<_grpc_lb_v1_Server, _grpc_lb_v1_Server__Output>
        ServerList: MessageTypeDefinition<_grpc_lb_v1_ServerList, _grpc_lb_v1_ServerList__Output>
      }
    }
  }
}

