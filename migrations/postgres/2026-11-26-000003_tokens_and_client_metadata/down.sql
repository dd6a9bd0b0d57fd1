ALTER TABLE clients DROP COLUMN allow_acr_downgrade;
ALTER TABLE clients DROP COLUMN jwks;
ALTER TABLE clients DROP COLUMN id_token_signed_response_alg;
DROP TABLE refresh_tokens;
