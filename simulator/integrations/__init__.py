"""Other systems and their integrations with OZmap: their state and rules, their clients of
the OZmap API (over HTTP — through ``wire.local`` for this simulator itself) and their jobs
on a tenant's clock. Nothing here reads or writes a world's documents directly."""
