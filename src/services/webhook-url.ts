import { type LookupAddress, lookup } from "node:dns";
import { BlockList, isIP } from "node:net";
import { AppError } from "../error-codes.js";

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE: loopback, private (RFC 1918),
 * carrier-grade NAT, link-local, unique-local, unspecified, multicast, reserved and documentation
 * ranges. Otherwise a key holder could make the service probe the internal network (SSRF).
 */
const BLOCKED_IPV4 = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  BLOCKED_IPV4.addSubnet(network, prefix, "ipv4");
/**
 * IPv6, including every range that carries an IPv4 address inside it: IPv4-compatible (::/96),
 * IPv4-mapped (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), NAT64 (64:ff9b::/96 and the
 * local-use 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo (2001::/32). Each of them can lead back
 * to a private IPv4 address through a translator; they are refused whole rather than decoded, as
 * a public receiver is reachable at its own address. A list of its own: Node's BlockList checks
 * an IPv4 address against IPv6 rules as if it were IPv4-mapped, so ::ffff:0:0/96 in one list
 * would refuse every IPv4 address.
 */
const BLOCKED_IPV6 = new BlockList();
for (const [network, prefix] of [
  ["::", 96],
  ["::1", 128],
  ["::ffff:0:0", 96],
  ["::ffff:0:0:0", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 32],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const)
  BLOCKED_IPV6.addSubnet(network, prefix, "ipv6");

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED_IPV4.check(address, "ipv4");
  if (family === 6) return BLOCKED_IPV6.check(address, "ipv6");
  return true;
}

/** A name that does not resolve within this long is refused, so a slow resolver cannot hold a request. */
export const DNS_TIMEOUT_MS = 5_000;

function lookupTimedOut(hostname: string, ms: number): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${hostname} did not resolve within ${ms} ms`);
  error.code = "ETIMEOUT";
  return error;
}

/**
 * `dns.lookup` (getaddrinfo, as http.request uses, so /etc/hosts counts) with a deadline. The
 * lookup itself cannot be cancelled; its late answer is ignored.
 */
export function lookupWithin(
  hostname: string,
  ms: number,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) {
  let done = false;
  const timer = setTimeout(() => {
    done = true;
    callback(lookupTimedOut(hostname, ms), []);
  }, ms);
  lookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    callback(error, error ? [] : addresses);
  });
}

function resolveAll(host: string, ms: number): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    lookupWithin(host, ms, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );
}

const refuse = (url: string, why: string) =>
  new AppError("url_not_allowed", `The webhook URL ${url} is not allowed: ${why}.`, [
    { field: "body.url", message: why },
  ]);

/** At subscription time: http(s) only, and every address the host resolves to must be public. */
export async function assertWebhookUrlAllowed(
  raw: string,
  allowPrivate: boolean,
  dnsTimeoutMs = DNS_TIMEOUT_MS,
): Promise<URL> {
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
    addresses = await resolveAll(host, dnsTimeoutMs);
  } catch (error) {
    throw refuse(
      raw,
      (error as NodeJS.ErrnoException).code === "ETIMEOUT"
        ? `the host ${host} did not resolve within ${dnsTimeoutMs / 1000} s`
        : `the host ${host} does not resolve`,
    );
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
export function guardedLookup(allowPrivate: boolean, dnsTimeoutMs = DNS_TIMEOUT_MS) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    lookupWithin(hostname, dnsTimeoutMs, (error, addresses) => {
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
