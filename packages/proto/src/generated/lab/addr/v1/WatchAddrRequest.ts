// Original file: protos/lab/addr/v1/addr.proto


export interface WatchAddrRequest {
  'client'?: (string);
  'intervalMs'?: (number);
}

export interface WatchAddrRequest__Output {
  'client': (string);
  'intervalMs': (number);
}
