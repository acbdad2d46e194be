-- Messages recorded but left in 'sending' by a process that died before Meta answered: found by this index and moved
-- to outcome_unknown once no live request can still be sending them (see messages/stale-sends.ts).
CREATE INDEX messages_sending_idx ON messages (created_at) WHERE state = 'sending';
