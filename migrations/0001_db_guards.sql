-- Guards the database enforces itself, beside the application's rules.

-- The audit trail is append-only: the app never updates or deletes a row.
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log`
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete` BEFORE DELETE ON `audit_log`
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
--> statement-breakpoint
-- Second wall behind the SeatAllocator Durable Object: never more active seats than were paid for.
CREATE TRIGGER `seat_assignments_capacity` BEFORE INSERT ON `tenant_entitlement_seat_assignments`
WHEN NEW.released_at IS NULL
  AND (SELECT count(*) FROM `tenant_entitlement_seat_assignments`
        WHERE entitlement_id = NEW.entitlement_id AND released_at IS NULL)
      >= (SELECT quantity_seats FROM `tenant_product_entitlements` WHERE id = NEW.entitlement_id)
BEGIN
  SELECT RAISE(ABORT, 'seat_limit_exceeded');
END;
--> statement-breakpoint
-- A released seat stays released; a new assignment is a new row (and passes the check above).
CREATE TRIGGER `seat_assignments_no_reactivate` BEFORE UPDATE OF released_at ON `tenant_entitlement_seat_assignments`
WHEN OLD.released_at IS NOT NULL AND NEW.released_at IS NULL
BEGIN
  SELECT RAISE(ABORT, 'seat_assignment_released');
END;
