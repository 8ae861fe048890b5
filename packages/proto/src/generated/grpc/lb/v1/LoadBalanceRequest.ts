// Original file: protos/grpc/lb/v1/load_balancer.proto

import type { InitialLoadBalanceRequest as _grpc_lb_v1_InitialLoadBalanceRequest, InitialLoadBalanceRequest__Output as _grpc_lb_v1_InitialLoadBalanceRequest__Output } from '../../../grpc/lb/v1/InitialLoadBalanceRequest.js';
import type { ClientStats as _grpc_lb_v1_ClientStats, ClientStats__Output as _grpc_lb_v1_ClientStats__Output } from '../../../grpc/lb/v1/ClientStats.js';

export interface LoadBalanceRequest {
  'initialRequest'?: (_grpc_lb_v1_InitialLoadBalanceRequest | null);
  'clientStats'?: (_grpc_lb_v1_ClientStats | null);
  'loadBalanceRequestType'?: "initialRequest"|"clientStats";
}

export interface LoadBalanceRequest__Output {
  'initialRequest'?: (_grpc_lb_v1_InitialLoadBalanceRequest__Output | null);
  'clientStats'?: (_grpc_lb_v1_ClientStats__Output | null);
  'loadBalanceRequestType'?: "initialRequest"|"clientStats";
}
