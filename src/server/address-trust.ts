/**
 * Trusted peers: the `--forwarded-allow-ips` and `--proxy-allow-from` lists
 * (IP addresses, CIDR networks, or `*`) as one question, "is this address
 * one of them?", answered by node's BlockList. Unix socket peers have no
 * address and are trusted, as gunicorn treats them.
 *
 * It decides nothing about headers or the PROXY protocol; forwarded.ts and
 * connection-gate.ts ask it.
 */
import { BlockList, isIP } from 'node:net';

export interface AddressTrust {
  /** True for a trusted peer; `undefined` is a Unix socket peer. */
  trusts(address: string | undefined): boolean;
}

/** Entries already checked by config/checks.ts `addressList`. */
export function addressTrust(entries: readonly string[]): AddressTrust {
  if (entries.includes('*')) return { trusts: () => true };
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return {
    trusts(address: string | undefined): boolean {
      if (address === undefined || address === '') return true;
      const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
      const family = isIP(plain);
      if (family === 0) return false;
      return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
