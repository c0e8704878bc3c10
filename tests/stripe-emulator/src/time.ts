// Calendar arithmetic in UTC, month-end clamped like Stripe's billing anchors.
export type Interval = "day" | "week" | "month" | "year";

export function addInterval(ts: number, interval: Interval, count: number): number {
  const d = new Date(ts * 1000);
  switch (interval) {
    case "day":
      return ts + 86400 * count;
    case "week":
      return ts + 7 * 86400 * count;
    case "month":
    case "year": {
      const months = interval === "month" ? count : 12 * count;
      const day = d.getUTCDate();
      const target = new Date(
        Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()),
      );
      const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
      target.setUTCDate(Math.min(day, lastDay));
      return Math.floor(target.getTime() / 1000);
    }
  }
}

export const realNow = (): number => Math.floor(Date.now() / 1000);
