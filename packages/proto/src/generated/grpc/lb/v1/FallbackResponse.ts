// Original file: protos/grpc/lb/v1/load_balancer.proto


export interface FallbackResponse {
}

export interface FallbackResponse__Output {
}
