CREATE TABLE `tenant_invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`status` text NOT NULL,
	`invited_by` text,
	`accepted_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invited_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`accepted_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "tenant_invitations_email_lower" CHECK("tenant_invitations"."email" = lower("tenant_invitations"."email")),
	CONSTRAINT "tenant_invitations_role_check" CHECK(role IN ('admin', 'member')),
	CONSTRAINT "tenant_invitations_status_check" CHECK(status IN ('pending', 'accepted', 'revoked'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenant_invitations_pending_unique` ON `tenant_invitations` (`tenant_id`,`email`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `tenant_invitations_email_idx` ON `tenant_invitations` (`email`,`status`);