import { and, eq, inArray } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { AppError } from "../errors";
import { type BillingGateway } from "./types";

/** Opens Stripe's billing portal for a tenant's customer; only its owners and admins may. */
export async function openBillingPortal(deps: { db: Db; gateway: BillingGateway; userId: string; slug: string; appUrl: string }) {
  const row = await deps.db
    .select({ customerId: schema.tenants.stripeCustomerId })
    .from(schema.tenants)
    .innerJoin(schema.tenantMemberships, eq(schema.tenantMemberships.tenantId, schema.tenants.id))
    .where(
      and(
        eq(schema.tenants.slug, deps.slug),
        eq(schema.tenantMemberships.userId, deps.userId),
        eq(schema.tenantMemberships.status, "active"),
        inArray(schema.tenantMemberships.role, ["owner", "admin"]),
      ),
    )
    .get();
  if (!row) throw new AppError({ code: "forbidden", status: 403, message: "Only owners and admins manage billing." });
  if (!row.customerId) throw new AppError({ code: "no_billing", status: 409, message: "This organisation has no billing account yet." });
  return deps.gateway.createPortalSession({ customerId: row.customerId, returnUrl: `${deps.appUrl}/dashboard` });
}
