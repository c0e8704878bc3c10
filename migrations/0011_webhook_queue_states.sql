PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_processed_webhook_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`stripe_created` integer NOT NULL,
	`object_id` text,
	`tenant_id` text,
	`attempts` integer DEFAULT 1 NOT NULL,
	`error` text,
	`payload` text,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	`duration_ms` integer,
	CONSTRAINT "webhook_events_status_check" CHECK(status IN ('processed', 'ignored', 'failed', 'queued', 'dead_lettered'))
);
--> statement-breakpoint
INSERT INTO `__new_processed_webhook_events`("event_id", "type", "status", "stripe_created", "object_id", "tenant_id", "attempts", "error", "payload", "received_at", "processed_at", "duration_ms") SELECT "event_id", "type", "status", "stripe_created", "object_id", "tenant_id", "attempts", "error", "payload", "received_at", "processed_at", "duration_ms" FROM `processed_webhook_events`;--> statement-breakpoint
DROP TABLE `processed_webhook_events`;--> statement-breakpoint
ALTER TABLE `__new_processed_webhook_events` RENAME TO `processed_webhook_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `webhook_events_status_idx` ON `processed_webhook_events` (`status`,`received_at`);--> statement-breakpoint
CREATE INDEX `webhook_events_tenant_idx` ON `processed_webhook_events` (`tenant_id`);