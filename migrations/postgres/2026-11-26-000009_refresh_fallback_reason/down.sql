ALTER TABLE refresh_tokens DROP COLUMN fallback_reason;
