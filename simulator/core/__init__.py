"""The generic core: documents and their storage, indexes, the query language, geometry,
the clock, typed errors, id minting, tenants, snapshots and the ``World`` with its lock. It
knows nothing of FTTH: a ``world.Domain`` hands it the catalogue, the rules, the views and
the settings, and a world receives its write observers."""
