import { isIP, SocketAddress } from 'node:net';

/** The socket family (and net-snmp `transport`) an address is reached over. */
export type UdpTransport = 'udp4' | 'udp6';

/** An agent's address in the form the kernel reports a reply's source, and how to reach it. */
export interface UdpEndpoint {
  /** Dotted IPv4, or compressed lower-case IPv6 (with its `%zone`, if any). */
  readonly address: string;
  readonly port: number;
  readonly transport: UdpTransport;
  /** `127.0.0.1:161` or `[::1]:161`: what replies are routed by. */
  readonly key: string;
}

/** `address:port`, with IPv6 addresses in brackets so the port cannot be read as part of them. */
export function endpointKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/;

/**
 * Canonicalises an IP literal so it equals the `rinfo.address` of the agent's replies
 * (`0:0:0:0:0:0:0:1` and `::0001` are `::1`). An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`)
 * is an IPv4 agent and is reached over udp4. Throws a TypeError naming anything that is not an
 * IP address (host names are resolved before this).
 */
export function udpEndpoint(address: string, port: number): UdpEndpoint {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new TypeError(`UDP port ${String(port)} is not an integer from 1 to 65535`);
  }
  const family = isIP(address);
  if (family === 4) return { address, port, transport: 'udp4', key: `${address}:${port}` };
  if (family !== 6) throw new TypeError(`"${address}" is not an IP address`);
  // A zone (`fe80::1%eth0`) is kept as given: Node reports link-local sources with the
  // interface name, so a numeric zone routes by request id only (see the package README).
  const pct = address.indexOf('%');
  const bare = pct < 0 ? address : address.slice(0, pct);
  const canonical = new SocketAddress({ address: bare, family: 'ipv6' }).address;
  const v4 = MAPPED_V4.exec(canonical)?.[1];
  if (v4 !== undefined && isIP(v4) === 4) return udpEndpoint(v4, port);
  const a = pct < 0 ? canonical : canonical + address.slice(pct);
  return { address: a, port, transport: 'udp6', key: `[${a}]:${port}` };
}
