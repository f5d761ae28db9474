"""The simulator as a plain WSGI module, for third-party servers (benchmarks/servers.py).

    OZSIM_NETWORK=mid gunicorn -k gthread -w 1 --threads 8 --preload wsgi_app:app
    OZSIM_STATE=mid.snapshot granian --interface wsgi --blocking-threads 8 wsgi_app:app

Honours the same OZSIM_* variables as ``ozsim serve``; the default tenant's world is built
(or loaded) at import, before the server accepts requests.
"""
from ozsim.app import Simulator, create_app, options_from_env

simulator = Simulator(**options_from_env())
simulator.tenants.world("default")
app = create_app(simulator)
