CREATE TABLE `features` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`kind` text NOT NULL,
	`scope` text NOT NULL,
	`stripe_lookup_key` text,
	`stripe_feature_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "features_kind_check" CHECK(kind IN ('boolean', 'limit')),
	CONSTRAINT "features_scope_check" CHECK(scope IN ('user', 'organization')),
	CONSTRAINT "features_key_check" CHECK("features"."key" GLOB '[a-z]*' AND "features"."key" NOT GLOB '*[^a-z0-9._]*')
);
--> statement-breakpoint
CREATE UNIQUE INDEX `features_key_unique` ON `features` (`key`);--> statement-breakpoint
CREATE UNIQUE INDEX `features_stripe_lookup_key_unique` ON `features` (`stripe_lookup_key`);--> statement-breakpoint
CREATE TABLE `price_trials` (
	`id` text PRIMARY KEY NOT NULL,
	`price_id` text NOT NULL,
	`trial_price_id` text NOT NULL,
	`days` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`price_id`) REFERENCES `product_prices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`trial_price_id`) REFERENCES `product_prices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "price_trials_days_check" CHECK("price_trials"."days" BETWEEN 1 AND 730)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `price_trials_price_unique` ON `price_trials` (`price_id`);--> statement-breakpoint
CREATE TABLE `product_features` (
	`id` text PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`price_id` text,
	`feature_id` text NOT NULL,
	`limit_value` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`price_id`) REFERENCES `product_prices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`feature_id`) REFERENCES `features`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "product_features_limit_check" CHECK("product_features"."limit_value" IS NULL OR "product_features"."limit_value" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_features_product_unique` ON `product_features` (`product_id`,`feature_id`) WHERE "product_features"."price_id" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `product_features_price_unique` ON `product_features` (`price_id`,`feature_id`) WHERE "product_features"."price_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `product_features_feature_idx` ON `product_features` (`feature_id`);--> statement-breakpoint
CREATE TABLE `tenant_feature_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`feature_id` text NOT NULL,
	`limit_value` integer,
	`status` text NOT NULL,
	`valid_from` integer NOT NULL,
	`valid_until` integer NOT NULL,
	`reason` text NOT NULL,
	`granted_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`feature_id`) REFERENCES `features`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`granted_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "tenant_feature_grants_status_check" CHECK(status IN ('active', 'revoked')),
	CONSTRAINT "tenant_feature_grants_period_check" CHECK("tenant_feature_grants"."valid_until" > "tenant_feature_grants"."valid_from"),
	CONSTRAINT "tenant_feature_grants_limit_check" CHECK("tenant_feature_grants"."limit_value" IS NULL OR "tenant_feature_grants"."limit_value" >= 0)
);
--> statement-breakpoint
CREATE INDEX `tenant_feature_grants_tenant_idx` ON `tenant_feature_grants` (`tenant_id`);--> statement-breakpoint
ALTER TABLE `tenant_product_entitlements` ADD `price_id` text REFERENCES product_prices(id);--> statement-breakpoint
-- Entitlements from before this migration learn their price: a subscription's from its D1 copy
-- (trials are subscriptions too), a one-time purchase's from the purchase that provisioned it.
UPDATE `tenant_product_entitlements` SET `price_id` = (
  SELECT s.`price_id` FROM `subscriptions` s WHERE s.`stripe_subscription_id` = `tenant_product_entitlements`.`source_ref`
) WHERE `price_id` IS NULL AND `source` IN ('stripe_subscription', 'trial');--> statement-breakpoint
UPDATE `tenant_product_entitlements` SET `price_id` = (
  SELECT p.`price_id` FROM `purchase_intents` p WHERE p.`stripe_payment_intent_id` = `tenant_product_entitlements`.`source_ref`
) WHERE `price_id` IS NULL AND `source` = 'stripe_payment';
