import { eq } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { AppError, forbidden } from "../errors";
import { canManage } from "../seats/rules";
import { memberTenant } from "../seats/seats.server";
import { type BillingGateway } from "./types";

/** The tenant behind `slug` and its Stripe customer, for its owners and admins only (403 for anyone else, 409 without billing). */
export async function managedBillingCustomer(deps: { db: Db; userId: string; slug: string }) {
  const tenant = await memberTenant(deps);
  if (!tenant || !canManage(tenant.role)) throw forbidden("Only owners and admins manage billing.");
  const row = await deps.db
    .select({ customerId: schema.tenants.stripeCustomerId })
    .from(schema.tenants)
    .where(eq(schema.tenants.id, tenant.id))
    .get();
  if (!row?.customerId) throw new AppError({ code: "no_billing", status: 409, message: "This organisation has no billing account yet." });
  return { tenant, customerId: row.customerId };
}

/** Opens Stripe's billing portal for a tenant's customer; only its owners and admins may (403 for anyone else). */
export async function openBillingPortal(deps: { db: Db; gateway: BillingGateway; userId: string; slug: string; appUrl: string }) {
  const { customerId } = await managedBillingCustomer(deps);
  return deps.gateway.createPortalSession({ customerId, returnUrl: `${deps.appUrl}/dashboard` });
}
