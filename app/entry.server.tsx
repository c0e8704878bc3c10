import { type AppLoadContext, type EntryContext } from "@remix-run/cloudflare";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToReadableStream } from "react-dom/server";
import { I18nextProvider } from "react-i18next";
import { NonceProvider } from "./components/nonce-provider";
import { isLocale } from "./i18n/config";
import { i18nFor } from "./i18n/translator.server";

const ABORT_DELAY = 5_000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  // The Worker put this response's CSP nonce in the context; every inline script carries it.
  const { nonce } = loadContext;
  // The i18next instance of the language the root loader decided (asked again only when the root
  // loader did not answer, e.g. it threw); shared and read-only (ADR 027).
  const rootData = remixContext.staticHandlerContext.loaderData.root as { locale?: unknown } | null | undefined;
  const i18n = i18nFor(isLocale(rootData?.locale) ? rootData.locale : await loadContext.locale());
  const controller = new AbortController();
  const timeoutId = setTimeout(() => controller.abort(), ABORT_DELAY);

  const body = await renderToReadableStream(
    <I18nextProvider i18n={i18n}>
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceProvider>
    </I18nextProvider>,
    {
      nonce,
      signal: controller.signal,
      onError(error: unknown) {
        if (!controller.signal.aborted) console.error(error);
        responseStatusCode = 500;
      },
    },
  );
  // The abort timer ends with the stream, whether it completes or fails; a failure (allReady rejects
  // on an abort or a render error) was reported by onError already.
  body.allReady.finally(() => clearTimeout(timeoutId)).catch(() => {});
  // Bots and crawlers get the whole document at once.
  if (isbot(request.headers.get("user-agent") || "")) await body.allReady;

  responseHeaders.set("Content-Type", "text/html; charset=utf-8");
  return new Response(body, { headers: responseHeaders, status: responseStatusCode });
}
