-- AlterTable
ALTER TABLE "assistant_architect_events" ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(6);

-- Events stored in milliseconds share a created_at within a write batch. Within each execution, in
-- sequence order, each event's time becomes at least one microsecond after the one before: a tie
-- gets +1 µs, +2 µs, … by sequence, so ordering by created_at agrees with the sequence. With
-- position i, the time is i µs + the largest (created_at - j µs) over positions j <= i.
UPDATE "assistant_architect_events" AS "event"
SET "created_at" = "ordered"."fixed"
FROM (
  SELECT "id", "created_at",
    max("created_at" - "position" * INTERVAL '1 microsecond')
      OVER (PARTITION BY "execution_id" ORDER BY "sequence" ROWS UNBOUNDED PRECEDING)
      + "position" * INTERVAL '1 microsecond' AS "fixed"
  FROM (
    SELECT "id", "execution_id", "sequence", "created_at",
      row_number() OVER (PARTITION BY "execution_id" ORDER BY "sequence") AS "position"
    FROM "assistant_architect_events"
  ) AS "numbered"
) AS "ordered"
WHERE "event"."id" = "ordered"."id" AND "ordered"."fixed" <> "ordered"."created_at";
