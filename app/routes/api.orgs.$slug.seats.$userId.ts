import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { z } from "zod";
import { releaseSeat } from "../domain/seats/seats.server";
import { requireSession } from "../infra/auth/guards.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse, parseWith } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

const Params = z.object({ slug: z.string().min(1).max(100), userId: z.string().min(1).max(64) });

// DELETE: release the member's seat (owners and admins). 404 when they hold none.
export async function action({ request, context, params }: ActionFunctionArgs) {
  if (request.method !== "DELETE") return methodNotAllowed("DELETE");
  const { user } = await requireSession(context, request, { api: true });
  return runJson(async () => {
    const p = parseWith(Params, params);
    const result = await releaseSeat({
      db: context.db,
      allocators: context.seats,
      actorUserId: user.id,
      slug: p.slug,
      userId: p.userId,
    });
    return jsonResponse(result);
  });
}

export const loader = () => methodNotAllowed("DELETE");
