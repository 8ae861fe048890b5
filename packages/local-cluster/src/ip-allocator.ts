/**
 * Hands out loopback addresses from one /16 of 127.0.0.0/8, never the same
 * one twice in a run: a new pod never inherits a dead pod's address, so a
 * stale connection can never reach the wrong pod.
 */
export class IpAllocator {
  private next = 1;

  constructor(readonly prefix: string) {
    if (!/^127\.\d{1,3}$/.test(prefix)) throw new Error(`${prefix} is not a 127.x prefix`);
  }

  allocate(): string {
    if (this.next > 254 * 254) throw new Error(`${this.prefix}.0.0/16 is used up`);
    const n = this.next++;
    return `${this.prefix}.${Math.floor((n - 1) / 254)}.${((n - 1) % 254) + 1}`;
  }
}
