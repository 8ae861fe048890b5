// Original file: protos/lab/addr/v1/addr.proto


export interface GetAddrRequest {
  'client'?: (string);
}

export interface GetAddrRequest__Output {
  'client': (string);
}
