import { type ActionFunctionArgs, type LoaderFunctionArgs, redirect } from "@remix-run/cloudflare";
import { Form } from "@remix-run/react";
import { createTenantForOwner, CreateTenantInput } from "../domain/tenants/admin.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { ActionMessage, ReasonField } from "../components/admin";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";

export const handle = { i18n: ["admin"] };

export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSystemAdmin(context);
  let created: { tenantId: string } | undefined;
  const result = await runAction(async () => {
    const input = parseWith(CreateTenantInput, await readForm(request));
    created = await createTenantForOwner({ db: context.db, adminId: user.id, input, now: context.now() });
  }, "Tenant created.");
  return created ? redirect(`/admin/tenants/${created.tenantId}`) : result;
}

export default function AdminNewTenant() {
  const { t } = useTranslation("admin");
  return (
    <section className="card narrow">
      <h2>{t("newTenant.title")}</h2>
      <p className="muted">{t("newTenant.intro")}</p>
      <ActionMessage />
      <Form method="post">
        <div className="field">
          <label htmlFor="name">{t("newTenant.name")}</label>
          <input id="name" name="name" type="text" required maxLength={80} />
        </div>
        <div className="field">
          <label htmlFor="ownerEmail">{t("newTenant.ownerEmail")}</label>
          <input id="ownerEmail" name="ownerEmail" type="email" required />
        </div>
        <ReasonField id="reason" />
        <SubmitButton pendingLabel={t("working")}>{t("newTenant.submit")}</SubmitButton>
      </Form>
    </section>
  );
}
