"""The daily digest: subscriptions, exactly-once delivery records, scheduling and pacing."""
