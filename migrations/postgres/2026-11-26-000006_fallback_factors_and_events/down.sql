DROP TABLE auth_events;
DROP TABLE known_devices;
DROP TABLE password_credentials;
DROP TABLE recovery_codes;
DROP TABLE totp_credentials;
DROP TABLE user_phones;
