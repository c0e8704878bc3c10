import { RemixBrowser } from "@remix-run/react";
import { startTransition, StrictMode } from "react";
import { hydrateRoot } from "react-dom/client";
import { I18nextProvider } from "react-i18next";
import { holdEventsUntilHydrated, Hydrated } from "./components/hydration.client";
import { initClientI18n } from "./i18n/client";

// A click or key press before hydration ends keeps its native behaviour instead of forcing React to
// hydrate synchronously, which breaks the page (see hydration.client.tsx).
holdEventsUntilHydrated();

// Hydrate only once the page's translations are in: the first render matches the server's words.
void initClientI18n().then((i18n) => {
  startTransition(() => {
    hydrateRoot(
      document,
      <I18nextProvider i18n={i18n}>
        <StrictMode>
          <RemixBrowser />
          <Hydrated />
        </StrictMode>
      </I18nextProvider>,
    );
  });
});
