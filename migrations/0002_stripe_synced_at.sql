ALTER TABLE `subscriptions` ADD `stripe_synced_at` integer;--> statement-breakpoint
ALTER TABLE `tenant_product_entitlements` ADD `stripe_synced_at` integer;