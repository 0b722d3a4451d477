-- Webhook delivery history is kept 30 days (WebhookDeliverer.PruneHistoryAsync). Pruning an event asks whether any
-- delivery still points at it (a resend makes a new delivery of an old event), and list_webhooks counts each webhook's
-- dead deliveries: without these two, both read the webhook's whole history. Dead deliveries are rare, so the partial
-- index costs a write only when a delivery gives up.
CREATE INDEX ix_webhook_deliveries_event ON webhook_deliveries (event_seq);
CREATE INDEX ix_webhook_deliveries_dead ON webhook_deliveries (webhook_id, seq) WHERE status = 'dead';
