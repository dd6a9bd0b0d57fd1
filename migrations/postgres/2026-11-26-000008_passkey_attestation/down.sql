ALTER TABLE passkeys DROP COLUMN hardware_attested;
