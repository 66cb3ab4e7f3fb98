-- A hot campaign's stock split over this many Redis slots (shards in Redis Cluster); 1 = one slot.
ALTER TABLE campaign ADD COLUMN buckets integer NOT NULL DEFAULT 1 CHECK (buckets BETWEEN 1 AND 64);
ALTER TABLE campaign ADD CHECK (buckets <= total_stock);
