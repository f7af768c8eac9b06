-- Subscriptions of people's IPP clients (a share's Create-Printer-Subscriptions) belong to the user who made
-- them: only they (or an administrator) read, renew or cancel them, and their events are of the jobs they may see.
-- Devices' subscriptions have none.
ALTER TABLE ipp_subscriptions ADD COLUMN owner_id TEXT;
