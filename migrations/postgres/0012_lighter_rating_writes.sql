-- Lighter writes of ratings, for bulk imports of millions of rows.
-- Only kiosk ratings carry a device, and only the device's own look-back (a repeated tap within
-- seconds) reads this index: ratings by QR code, on the web or imported need no entry in it.
DROP INDEX ratings_device_time;
CREATE INDEX ratings_device_time ON ratings(device_id, rated_at) WHERE device_id IS NOT NULL;
