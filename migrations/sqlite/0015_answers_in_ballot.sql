-- A ballot's answers are read from the ballot itself (ratings.answers, stored whole as given):
-- rating_answers only repeated it, one row per answer, written by a trigger on every rating
-- (0.7 s per million ratings in a bulk load) for three readers that can read the JSON.
DROP TRIGGER ratings_expand_answers;
DROP TRIGGER rating_answers_no_delete;
DROP TABLE rating_answers;
