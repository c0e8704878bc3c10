-- Add-ons (ADR 019): a product sold on top of a base product, as an extra item on the tenant's
-- subscription to it. A nullable column, so no table rebuild and the kind CHECK is unchanged.
ALTER TABLE `products` ADD `base_product_id` text REFERENCES products(id);
