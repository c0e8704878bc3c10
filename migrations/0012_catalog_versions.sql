-- Issue 17/18: a product's feature set has a version (bumped by the app with each change, its
-- audit row naming the old and new set); the public catalog has one version, bumped by triggers on
-- every write to what /pricing and /api/public/pricing show, which keys their edge cache.
CREATE TABLE `catalog_version` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	CONSTRAINT "catalog_version_single_row" CHECK("catalog_version"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE `products` ADD `cta_label` text;--> statement-breakpoint
ALTER TABLE `products` ADD `features_version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
-- A random start, so a database made again (dev, tests) never reuses the cache keys of an earlier one.
INSERT INTO `catalog_version` (`id`, `version`) VALUES (1, abs(random() % 1000000000000));--> statement-breakpoint
CREATE TRIGGER `catalog_version_products_insert` AFTER INSERT ON `products` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_products_update` AFTER UPDATE ON `products` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_products_delete` AFTER DELETE ON `products` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_product_prices_insert` AFTER INSERT ON `product_prices` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_product_prices_update` AFTER UPDATE ON `product_prices` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_product_prices_delete` AFTER DELETE ON `product_prices` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_features_insert` AFTER INSERT ON `features` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_features_update` AFTER UPDATE ON `features` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_features_delete` AFTER DELETE ON `features` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_product_features_insert` AFTER INSERT ON `product_features` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_product_features_update` AFTER UPDATE ON `product_features` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_product_features_delete` AFTER DELETE ON `product_features` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_price_trials_insert` AFTER INSERT ON `price_trials` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_price_trials_update` AFTER UPDATE ON `price_trials` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `catalog_version_price_trials_delete` AFTER DELETE ON `price_trials` BEGIN UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1; END;--> statement-breakpoint
-- The pricing page's button for the seeded Accelerator keeps its words, now as data.
UPDATE `products` SET `cta_label` = 'Enroll in Accelerator' WHERE `id` = 'prd_accelerator' AND `cta_label` IS NULL;
