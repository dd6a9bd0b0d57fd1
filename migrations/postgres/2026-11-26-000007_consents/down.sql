DROP TABLE consents;
ALTER TABLE clients DROP COLUMN require_consent;
