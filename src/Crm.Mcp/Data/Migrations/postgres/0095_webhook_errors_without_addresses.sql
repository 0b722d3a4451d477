-- Delivery errors are shown to the read scope (list_webhook_deliveries). Before this version they were the raw
-- exception text, e.g. "Connection refused (127.0.0.1:5096)", which tells a reader what listens where. New errors
-- say only what failed (Features/Webhooks/WebhookTargets.cs); this rewrites the old ones the same way.
UPDATE webhook_deliveries
SET last_error = 'could not connect to the receiver'
WHERE last_error IS NOT NULL
  AND last_error NOT LIKE 'HTTP %'
  AND last_error NOT LIKE 'no response within %'
  AND last_error NOT LIKE 'refused: %';
