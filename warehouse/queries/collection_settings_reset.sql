-- Puts back what collection_settings_apply.sql changed; each statement is run on its own.
RESET checkpoint_threshold;
