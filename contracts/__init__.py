"""The OpenAPI contracts, loaded as package data (``ozsim.wire.contract.Contract``)."""
