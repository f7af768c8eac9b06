-- An upload session's ranges are written in place, into one blob per session. A range is reserved before its
-- bytes are written, so a write that would overlap another is refused before it touches the blob:
-- `pending_until` is the reservation's lease (renewed while the bytes stream; NULL once they are durable) and
-- `reservation` names the write holding it. A reservation whose lease ran out (its node died) counts as missing.
ALTER TABLE upload_ranges ADD COLUMN pending_until BIGINT;
ALTER TABLE upload_ranges ADD COLUMN reservation TEXT;
