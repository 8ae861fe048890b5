// Original file: protos/grpc/lb/v1/load_balancer.proto


export interface InitialLoadBalanceRequest {
  'name'?: (string);
}

export interface InitialLoadBalanceRequest__Output {
  'name': (string);
}
