"""What the HTTP adapters share: OpenAPI contracts (request validation, response checks) and
JSON encoding. Adapters import it; it imports only the core."""
