"""INT6, the OLT manager ISPs run next to OZmap, and its two-way integration with OZmap.

Every tenant has its own INT6 (``integration.of(world)``), as it has its own OZmap world:

* ``fields`` — how INT6 checks the objects it is sent;
* ``records`` — INT6's ONU records, keyed by ``gpon_client_id`` (= the OZmap client code),
  listed by change;
* ``power`` — INT6's power check before an activation (what a reading is, and what OZmap
  does with one, is the FTTH domain's: ``ftth.readings``);
* ``provisioning`` — INT6 calling OZmap: the splitters near a client, and the provisioning of
  an ONU on a chosen splitter port (create the client if missing, move it, check the power,
  implant it);
* ``pull`` — OZmap calling INT6 every 10 minutes, and applying what it brings to its clients
  (``ftth.readings.apply``);
* ``integration`` — the tenant's INT6 and its integration settings (URLs, e-mail and token,
  OZmap API key, IP allowlist), the ``int6-pull`` job, and how INT6's own API finds a tenant
  by e-mail and token.
"""
