-- Why the sign-in behind a refresh-token family used a fallback, if it did
-- (the grant's fallback_reason), so ID tokens minted at a refresh carry the
-- same latchkey_fallback claim as the first one. Families issued before
-- this migration have none.
ALTER TABLE refresh_tokens ADD COLUMN fallback_reason TEXT;
