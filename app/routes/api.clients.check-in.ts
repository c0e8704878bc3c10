import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { z } from "zod";
import { clientCheckIn } from "../domain/software/client-licences.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse, parseWith, readJson } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

const Body = z.object({
  token: z.string({ error: "token is required." }).min(10).max(200),
  clientId: z.string({ error: "clientId is required." }).regex(/^[A-Za-z0-9._:-]{1,128}$/, "clientId: 1 to 128 letters, digits, . _ : -"),
});

// POST { token, clientId } from an installed client (authenticated by the tenant's licence token, no session)
// -> 200 { licensed, observed, compliance }.
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  return runJson(async () => {
    await context.limit("checkIn", `client:${context.clientAddress}`);
    const body = parseWith(Body, await readJson(request, 4096));
    await context.limit("checkIn", `token:${body.token}`);
    return jsonResponse(await clientCheckIn({ db: context.db, token: body.token, clientId: body.clientId, now: context.now() }));
  });
}

export function loader() {
  return methodNotAllowed("POST");
}
