-- A ballot's answers are read from the ballot itself (ratings.answers, stored whole as given):
-- rating_answers only repeated it, one row per answer, written by a trigger on every rating
-- (a bulk load re-read every new row to fill it) for three readers that can read the JSON.
DROP TRIGGER ratings_expand_answers ON ratings;
DROP FUNCTION hailong_expand_answers();
DROP TABLE rating_answers;
