import { useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";

// Pages whose loaders resolve the viewer's plan (entitlements, seats): the dashboard, Accelerator and organisation pages.
const PLAN_PAGES = /^\/(dashboard|accelerator|org)(\/|$)/;

/** While a client-side navigation to a plan-gated page waits for its loaders, say so (a live region, empty otherwise). */
export function PlanPending() {
  const { t } = useTranslation();
  const navigation = useNavigation();
  const checking =
    navigation.state === "loading" &&
    (navigation.formMethod ?? "GET").toUpperCase() === "GET" &&
    PLAN_PAGES.test(navigation.location.pathname);
  return (
    <div className="plan-pending" role="status" aria-live="polite" data-testid="plan-pending">
      {checking ? t("planPending") : null}
    </div>
  );
}
