-- The software catalog's tables get the `software_` prefix: "catalog" alone means the price
-- catalog (docs/decisions/013-software-tables-and-dead-columns.md). Written by hand: drizzle-kit
-- would rebuild the tables (copy, DROP, rename with PRAGMA foreign_keys=OFF, which D1 ignores
-- inside a migration). SQLite's RENAME keeps every row, the CHECK constraints and the indexes,
-- and rewrites the foreign keys that point at a renamed table (software_applications.catalog_id,
-- software_versions.application_id). Only the index names are changed, by drop and create.
ALTER TABLE `catalogs` RENAME TO `software_catalogs`;--> statement-breakpoint
ALTER TABLE `applications` RENAME TO `software_applications`;--> statement-breakpoint
ALTER TABLE `versions` RENAME TO `software_versions`;--> statement-breakpoint
DROP INDEX `catalogs_owner_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `software_catalogs_owner_unique` ON `software_catalogs` (`owner_type`,`owner_id`);--> statement-breakpoint
DROP INDEX `applications_catalog_slug_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `software_applications_catalog_slug_unique` ON `software_applications` (`catalog_id`,`slug`);--> statement-breakpoint
DROP INDEX `versions_application_version_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `software_versions_application_version_unique` ON `software_versions` (`application_id`,`version`);--> statement-breakpoint
DROP INDEX `versions_latest_idx`;--> statement-breakpoint
CREATE INDEX `software_versions_latest_idx` ON `software_versions` (`application_id`,`superseded_by`);--> statement-breakpoint
-- For one release only: read-only views under the old names, so the previous Worker, still serving
-- between this migration and the deploy (or after a rollback), can list and open downloads. Its
-- writes to them fail whole (a view takes no INSERT/UPDATE). The next release drops them (ADR 013);
-- no code of this release names them.
CREATE VIEW `catalogs` AS SELECT * FROM `software_catalogs`;--> statement-breakpoint
CREATE VIEW `applications` AS SELECT * FROM `software_applications`;--> statement-breakpoint
CREATE VIEW `versions` AS SELECT * FROM `software_versions`;
