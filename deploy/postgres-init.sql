-- The conversations' database (Rasa's SQL tracker store), next to the booking database.
-- Run by the postgres image on its first start only (deploy/compose.yml).
CREATE DATABASE rasa_trackers OWNER cites;
