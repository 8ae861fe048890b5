// Original file: protos/helloworld/helloworld.proto


export interface HelloRequest {
  'name'?: (string);
}

export interface HelloRequest__Output {
  'name': (string);
}
