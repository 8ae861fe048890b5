// Original file: protos/helloworld/helloworld.proto


export interface HelloReply {
  'message'?: (string);
}

export interface HelloReply__Output {
  'message': (string);
}
