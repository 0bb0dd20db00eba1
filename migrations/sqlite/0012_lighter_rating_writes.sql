-- Lighter writes of ratings, for bulk imports of millions of rows.
-- Only kiosk ratings carry a device, and only the device's own look-back (a repeated tap within
-- seconds) reads this index: ratings by QR code, on the web or imported need no entry in it.
DROP INDEX ratings_device_time;
CREATE INDEX ratings_device_time ON ratings(device_id, rated_at) WHERE device_id IS NOT NULL;

-- Most ballots answer only the headline question: no need to run json_each for an empty one.
DROP TRIGGER ratings_expand_answers;
CREATE TRIGGER ratings_expand_answers AFTER INSERT ON ratings WHEN NEW.answers <> '{}'
BEGIN
    INSERT INTO rating_answers (rating_id, question_key, level)
    SELECT NEW.id, a.key, a.value FROM json_each(NEW.answers) a;
END;
