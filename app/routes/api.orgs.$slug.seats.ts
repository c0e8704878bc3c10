import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { z } from "zod";
import { assignSeat, seatSummary } from "../domain/seats/seats.server";
import { requireSession } from "../infra/auth/guards.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse, parseWith, readJson } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

const AssignInput = z.object({ userId: z.string().trim().min(1).max(64) }).strict();

// GET: who holds a seat, out of how many (owners and admins).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request, { api: true });
  return runJson(async () => {
    return jsonResponse(await seatSummary({ db: context.db, actorUserId: user.id, slug: params.slug ?? "", now: context.now() }));
  });
}

// POST { userId }: assign a seat. 200 (also when they already had one), 409 no_seats_available.
export async function action({ request, context, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const { user } = await requireSession(context, request, { api: true });
  return runJson(async () => {
    const input = parseWith(AssignInput, await readJson(request));
    const result = await assignSeat({
      db: context.db,
      allocators: context.seats,
      actorUserId: user.id,
      slug: params.slug ?? "",
      userId: input.userId,
    });
    return jsonResponse(result);
  });
}
