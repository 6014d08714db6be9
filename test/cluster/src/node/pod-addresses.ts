// Each pod gets its own loopback address from the cluster's /16 (127.1.0.0/16 in slot 0), so every pod can listen on its declared containerPort.

export class PodAddressPool {
  private readonly inUse = new Set<string>();
  private next = 2;

  /** `prefix` is the /16's first two octets, e.g. `127.1`. */
  constructor(private readonly prefix: string) {}

  /** 127.1.0.2 … 127.1.255.254: 65,533 pods before an address is reused. */
  allocate(): string {
    for (let tries = 0; tries < 65_533; tries++) {
      const n = this.next;
      this.next = n >= 65_534 ? 2 : n + 1;
      const ip = `${this.prefix}.${Math.floor(n / 256)}.${n % 256}`;
      if (n % 256 === 0 || n % 256 === 255 || this.inUse.has(ip)) continue;
      this.inUse.add(ip);
      return ip;
    }
    throw new Error(`no free pod address in ${this.prefix}.0.0/16`);
  }

  release(ip: string): void {
    this.inUse.delete(ip);
  }
}
