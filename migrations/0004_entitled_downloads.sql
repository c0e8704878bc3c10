CREATE TABLE `applications` (
	`id` text PRIMARY KEY NOT NULL,
	`catalog_id` text NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`vendor` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`catalog_id`) REFERENCES `catalogs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `applications_catalog_slug_unique` ON `applications` (`catalog_id`,`slug`);--> statement-breakpoint
CREATE TABLE `catalogs` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_type` text NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "catalogs_owner_type_check" CHECK(owner_type IN ('system', 'tenant'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `catalogs_owner_unique` ON `catalogs` (`owner_type`,`owner_id`);--> statement-breakpoint
CREATE TABLE `client_checkins` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`client_id` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `client_checkins_tenant_client_unique` ON `client_checkins` (`tenant_id`,`client_id`);--> statement-breakpoint
CREATE INDEX `client_checkins_tenant_seen_idx` ON `client_checkins` (`tenant_id`,`last_seen_at`);--> statement-breakpoint
CREATE TABLE `client_licence_tokens` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `client_licence_tokens_hash_unique` ON `client_licence_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `versions` (
	`id` text PRIMARY KEY NOT NULL,
	`application_id` text NOT NULL,
	`version` text NOT NULL,
	`download_key` text NOT NULL,
	`sha256` text NOT NULL,
	`size` integer NOT NULL,
	`file_name` text NOT NULL,
	`superseded_by` text,
	`source` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`application_id`) REFERENCES `applications`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "versions_sha256_check" CHECK(length("versions"."sha256") = 64 AND "versions"."sha256" = lower("versions"."sha256")),
	CONSTRAINT "versions_size_check" CHECK("versions"."size" >= 0),
	CONSTRAINT "versions_source_check" CHECK(source IN ('admin', 'upload', 'feed', 'seed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `versions_application_version_unique` ON `versions` (`application_id`,`version`);--> statement-breakpoint
CREATE INDEX `versions_latest_idx` ON `versions` (`application_id`,`superseded_by`);