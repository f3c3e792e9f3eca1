-- +goose Up
-- Deleting a teacher sets decided_by to NULL on their decisions: without
-- an index, that would scan every attestation of the school.
CREATE INDEX attestations_decided_by ON attestations (decided_by) WHERE decided_by IS NOT NULL;

-- +goose Down
DROP INDEX attestations_decided_by;
