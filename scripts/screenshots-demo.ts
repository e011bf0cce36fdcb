import type { App } from "../src/api/app.js";

/** The small inventory the screenshots show: a partner with customers, a site, numbers in every state. */
export async function seedDemo(app: App, adminKey: string) {
  const call = async (method: "GET" | "POST" | "PUT", url: string, body?: unknown, key = adminKey) => {
    const response = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    if (response.statusCode >= 300)
      throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  };
  const organization = (name: string, kind: "partner" | "customer", partnerId?: string) =>
    call("POST", "/v1/organizations", {
      name,
      kind,
      billingEmail: `billing@${name.toLowerCase().replace(/[^a-z]+/g, "-")}.example`,
      ownerEmail: `owner@${name.toLowerCase().replace(/[^a-z]+/g, "-")}.example`,
      ...(kind === "partner" ? { supportEmail: "support@northwind.example" } : {}),
      ...(partnerId ? { partnerId } : {}),
    });
  const partner = await organization("Northwind Telecom", "partner");
  const cafe = await organization("Blue Harbour Cafe", "customer", partner.id);
  const studio = await organization("Lantern Design Studio", "customer", partner.id);
  const site = await call("POST", "/v1/sites", { name: "Harbour Tower", operatorId: partner.id });
  for (const occupier of [cafe, studio])
    await call("POST", `/v1/sites/${site.id}/occupiers`, { organizationId: occupier.id });

  const numbers = (prefix: string, count: number, extra: Record<string, unknown> = {}) =>
    Array.from({ length: count }, (_, index) => ({
      number: `${prefix}${String(index + 1).padStart(4, "0")}`,
      vendor: index % 3 === 0 ? "singtel" : "starhub",
      country: "SG",
      sku: index % 4 === 0 ? "DID-SG-GOLD" : "DID-SG",
      golden: index % 4 === 0,
      ...extra,
    }));
  await call("POST", "/v1/numbers", { numbers: numbers("+6561230", 12, { partnerId: partner.id }) });
  await call("POST", "/v1/numbers", {
    numbers: numbers("+6563330", 8, { siteId: site.id, rangeName: "Tower main range" }).map(
      (item, index) => ({
        ...item,
        extension: String(200 + index),
        mainNumber: index < 2,
      }),
    ),
  });
  await call("POST", "/v1/numbers", { numbers: numbers("+6569990", 3, { state: "locked" }) });

  const transition = async (number: string, body: Record<string, unknown>) => {
    const accepted = await call("POST", `/v1/numbers/${encodeURIComponent(number)}/transitions`, body);
    for (let tries = 0; tries < 200; tries++) {
      const status = (await call("GET", `/v1/transitions/${accepted.id}`)).status;
      if (status !== "pending") return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const reserved = "+65612300002";
  await transition(reserved, {
    action: "reserve",
    ownerId: cafe.id,
    remark: "Held for the cafe's second line",
  });
  await transition("+65612300003", { action: "reserve", ownerId: studio.id, remark: "Studio launch" });
  await transition("+65612300003", { action: "assign", subscriptionId: "sub-studio-001" });
  await transition("+65612300004", { action: "lock", remark: "Voicemail access number" });
  await transition("+65633300003", { action: "allocate", ownerId: studio.id });
  await transition("+65633300004", { action: "allocate", ownerId: partner.id });
  // Two voice services: the cafe's main number and one more are allocated and activated for it;
  // its main number forwards to the in-space hunt group, which the other number joins.
  await call("PUT", `/v1/sites/${site.id}/main-number-forwarding/${cafe.id}`, { huntGroup: true });
  await call("PUT", `/v1/sites/${site.id}/entitlements/${cafe.id}`, { voiceServices: 2 });

  const partnerKey = (
    await call("POST", "/v1/api-keys", { role: "partner_admin", organizationId: partner.id })
  ).key;
  // Three weeks on: the reservations are within a week of expiring.
  const previewAt = new Date(Date.now() + 23 * 86_400_000).toISOString().slice(0, 16);
  return { reserved, siteId: site.id as string, partnerKey: partnerKey as string, previewAt };
}
