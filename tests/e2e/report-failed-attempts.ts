import { beforeEach } from "vitest";

// Browser tests retry once (vitest.config.ts). A first attempt that failed would leave no trace in
// a green run, so its errors are printed: a flaky test stays visible and can be chased.
beforeEach(({ onTestFailed }) => {
  onTestFailed(({ task }) => {
    const errors = (task.result?.errors ?? []).map((e) => e.message).join(" | ");
    console.error(`[browser test attempt failed] ${task.name}: ${errors}`);
  });
});
