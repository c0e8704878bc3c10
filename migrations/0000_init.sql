CREATE TABLE `analytics_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`user_id` text,
	`tenant_id` text,
	`properties` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `analytics_events_name_idx` ON `analytics_events` (`name`,`at`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`tenant_id` text,
	`target_type` text,
	`target_id` text,
	`before` text,
	`after` text,
	`reason` text,
	CONSTRAINT "audit_log_actor_check" CHECK(actor_type IN ('user', 'stripe_event', 'scheduler', 'system'))
);
--> statement-breakpoint
CREATE INDEX `audit_log_tenant_idx` ON `audit_log` (`tenant_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_log_action_idx` ON `audit_log` (`action`,`at`);--> statement-breakpoint
CREATE TABLE `course_lessons` (
	`id` text PRIMARY KEY NOT NULL,
	`module_id` text NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`position` integer NOT NULL,
	FOREIGN KEY (`module_id`) REFERENCES `course_modules`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `course_lessons_slug_unique` ON `course_lessons` (`module_id`,`slug`);--> statement-breakpoint
CREATE TABLE `course_modules` (
	`id` text PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`position` integer NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `course_modules_slug_unique` ON `course_modules` (`product_id`,`slug`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`lease_until` integer,
	`counts` text,
	`log` text,
	CONSTRAINT "jobs_status_check" CHECK(status IN ('running', 'succeeded', 'failed', 'skipped'))
);
--> statement-breakpoint
CREATE INDEX `jobs_type_idx` ON `jobs` (`type`,`started_at`);--> statement-breakpoint
CREATE TABLE `processed_webhook_events` (
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
	CONSTRAINT "webhook_events_status_check" CHECK(status IN ('processed', 'ignored', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `webhook_events_status_idx` ON `processed_webhook_events` (`status`,`received_at`);--> statement-breakpoint
CREATE INDEX `webhook_events_tenant_idx` ON `processed_webhook_events` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `product_prices` (
	`id` text PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`lookup_key` text NOT NULL,
	`stripe_price_id` text,
	`currency` text NOT NULL,
	`unit_amount` integer NOT NULL,
	`interval` text,
	`tier` text,
	`min_seats` integer,
	`max_seats` integer,
	`access_days` integer,
	`published` integer DEFAULT false NOT NULL,
	`archived` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "product_prices_interval_check" CHECK("product_prices"."interval" IS NULL OR interval IN ('month', 'year')),
	CONSTRAINT "product_prices_amount_check" CHECK("product_prices"."unit_amount" >= 0),
	CONSTRAINT "product_prices_currency_check" CHECK(length("product_prices"."currency") = 3 AND "product_prices"."currency" = lower("product_prices"."currency")),
	CONSTRAINT "product_prices_seats_check" CHECK(("product_prices"."min_seats" IS NULL OR "product_prices"."min_seats" >= 1) AND ("product_prices"."max_seats" IS NULL OR "product_prices"."min_seats" IS NULL OR "product_prices"."max_seats" >= "product_prices"."min_seats")),
	CONSTRAINT "product_prices_access_days_check" CHECK("product_prices"."access_days" IS NULL OR "product_prices"."access_days" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_prices_lookup_key_unique` ON `product_prices` (`lookup_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `product_prices_stripe_price_unique` ON `product_prices` (`stripe_price_id`);--> statement-breakpoint
CREATE INDEX `product_prices_product_idx` ON `product_prices` (`product_id`);--> statement-breakpoint
CREATE TABLE `products` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`kind` text NOT NULL,
	`published` integer DEFAULT false NOT NULL,
	`seat_based` integer DEFAULT false NOT NULL,
	`stripe_product_id` text,
	`created_at` integer NOT NULL,
	CONSTRAINT "products_kind_check" CHECK(kind IN ('subscription', 'one_time'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_key_unique` ON `products` (`key`);--> statement-breakpoint
CREATE UNIQUE INDEX `products_stripe_product_unique` ON `products` (`stripe_product_id`);--> statement-breakpoint
CREATE TABLE `purchase_intents` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`tenant_id` text,
	`organization_name` text,
	`product_id` text NOT NULL,
	`price_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`state` text NOT NULL,
	`stripe_customer_id` text,
	`stripe_checkout_session_id` text,
	`stripe_subscription_id` text,
	`stripe_payment_intent_id` text,
	`last_event_id` text,
	`failure_reason` text,
	`provisioned_tenant_id` text,
	`expires_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`price_id`) REFERENCES `product_prices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`provisioned_tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "purchase_intents_state_check" CHECK(state IN ('created', 'checkout_open', 'paid', 'provisioned', 'expired', 'canceled', 'failed')),
	CONSTRAINT "purchase_intents_quantity_check" CHECK("purchase_intents"."quantity" >= 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `purchase_intents_checkout_session_unique` ON `purchase_intents` (`stripe_checkout_session_id`);--> statement-breakpoint
CREATE INDEX `purchase_intents_user_idx` ON `purchase_intents` (`user_id`);--> statement-breakpoint
CREATE INDEX `purchase_intents_state_idx` ON `purchase_intents` (`state`);--> statement-breakpoint
CREATE TABLE `roadmap_items` (
	`id` text PRIMARY KEY NOT NULL,
	`roadmap_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`column` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`roadmap_id`) REFERENCES `roadmaps`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "roadmap_items_column_check" CHECK(column IN ('now', 'next', 'later'))
);
--> statement-breakpoint
CREATE INDEX `roadmap_items_roadmap_idx` ON `roadmap_items` (`roadmap_id`,`column`,`position`);--> statement-breakpoint
CREATE TABLE `roadmaps` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`title` text NOT NULL,
	`published` integer DEFAULT false NOT NULL,
	`published_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `roadmaps_tenant_unique` ON `roadmaps` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`user_agent` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`product_id` text NOT NULL,
	`price_id` text,
	`stripe_subscription_id` text NOT NULL,
	`stripe_customer_id` text NOT NULL,
	`status` text NOT NULL,
	`quantity` integer NOT NULL,
	`current_period_start` integer,
	`current_period_end` integer,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`trial_end` integer,
	`canceled_at` integer,
	`ended_at` integer,
	`trial_will_end_notified_at` integer,
	`last_event_created` integer,
	`last_event_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`price_id`) REFERENCES `product_prices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "subscriptions_status_check" CHECK(status IN ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
	CONSTRAINT "subscriptions_quantity_check" CHECK("subscriptions"."quantity" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_stripe_unique` ON `subscriptions` (`stripe_subscription_id`);--> statement-breakpoint
CREATE INDEX `subscriptions_tenant_idx` ON `subscriptions` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `tenant_entitlement_seat_assignments` (
	`id` text PRIMARY KEY NOT NULL,
	`entitlement_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`assigned_by` text,
	`assigned_at` integer NOT NULL,
	`released_at` integer,
	`released_by` text,
	FOREIGN KEY (`entitlement_id`) REFERENCES `tenant_product_entitlements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `seat_assignments_active_unique` ON `tenant_entitlement_seat_assignments` (`entitlement_id`,`user_id`) WHERE released_at IS NULL;--> statement-breakpoint
CREATE INDEX `seat_assignments_user_idx` ON `tenant_entitlement_seat_assignments` (`user_id`);--> statement-breakpoint
CREATE INDEX `seat_assignments_tenant_idx` ON `tenant_entitlement_seat_assignments` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `tenant_memberships` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "tenant_memberships_role_check" CHECK(role IN ('owner', 'admin', 'member')),
	CONSTRAINT "tenant_memberships_status_check" CHECK(status IN ('pending', 'active', 'removed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenant_memberships_tenant_user_unique` ON `tenant_memberships` (`tenant_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `tenant_memberships_user_idx` ON `tenant_memberships` (`user_id`);--> statement-breakpoint
CREATE TABLE `tenant_product_entitlements` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`product_id` text NOT NULL,
	`status` text NOT NULL,
	`quantity_seats` integer DEFAULT 0 NOT NULL,
	`source` text NOT NULL,
	`source_ref` text NOT NULL,
	`tier` text,
	`valid_from` integer NOT NULL,
	`valid_until` integer,
	`grace_until` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "entitlements_status_check" CHECK(status IN ('active', 'trialing', 'past_due', 'canceled', 'expired', 'revoked')),
	CONSTRAINT "entitlements_source_check" CHECK(source IN ('stripe_subscription', 'stripe_payment', 'trial', 'admin_grant')),
	CONSTRAINT "entitlements_quantity_check" CHECK("tenant_product_entitlements"."quantity_seats" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `entitlements_source_unique` ON `tenant_product_entitlements` (`source`,`source_ref`);--> statement-breakpoint
CREATE INDEX `entitlements_tenant_idx` ON `tenant_product_entitlements` (`tenant_id`,`product_id`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`join_code` text NOT NULL,
	`stripe_customer_id` text,
	`compliance_status` text DEFAULT 'ok' NOT NULL,
	`pro_uploads_enabled` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "tenants_compliance_check" CHECK(compliance_status IN ('ok', 'over_limit'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_slug_unique` ON `tenants` (`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_join_code_unique` ON `tenants` (`join_code`);--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_stripe_customer_unique` ON `tenants` (`stripe_customer_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`password_hash` text NOT NULL,
	`is_system_admin` integer DEFAULT false NOT NULL,
	`stripe_customer_id` text,
	`created_at` integer NOT NULL,
	CONSTRAINT "users_email_lower" CHECK("users"."email" = lower("users"."email"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_stripe_customer_unique` ON `users` (`stripe_customer_id`);