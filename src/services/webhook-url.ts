import { type LookupAddress, lookup } from "node:dns";
import { BlockList, isIP } from "node:net";
import { AppError } from "../error-codes.js";

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE: loopback, private (RFC 1918),
 * carrier-grade NAT, link-local, unique-local, unspecified, multicast and IPv4 inside IPv6.
 * Otherwise a key holder could make the service probe the internal network (SSRF).
 */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  BLOCKED.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  BLOCKED.addSubnet(network, prefix, "ipv6");

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, "ipv4");
  if (family !== 6) return true;
  // ::ffff:10.0.0.1 and friends reach the IPv4 address they embed.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return BLOCKED.check(mapped, "ipv4");
  return BLOCKED.check(address, "ipv6");
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    lookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );
}

const refuse = (url: string, why: string) =>
  new AppError("url_not_allowed", `The webhook URL ${url} is not allowed: ${why}.`, [
    { field: "body.url", message: why },
  ]);

/** At subscription time: http(s) only, and every address the host resolves to must be public. */
export async function assertWebhookUrlAllowed(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(raw, "it is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw refuse(raw, "only http and https are allowed");
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch {
    throw refuse(raw, `the host ${host} does not resolve`);
  }
  const blocked = addresses.find((entry) => isBlockedAddress(entry.address));
  if (blocked || addresses.length === 0)
    throw refuse(raw, `the host resolves to a loopback, private or link-local address`);
  return url;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * For each delivery: a DNS lookup for http.request that refuses blocked addresses, so a host that
 * resolved to a public address at subscription time cannot be re-pointed inside (DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = allowPrivate
        ? addresses
        : addresses.filter((entry) => !isBlockedAddress(entry.address));
      if (allowed.length === 0) {
        const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves only to blocked addresses`);
        refused.code = "EADDRNOTALLOWED";
        return callback(refused, []);
      }
      if (options.all) return callback(null, allowed);
      const [first] = allowed;
      return callback(null, first!.address, first!.family);
    });
  };
}
