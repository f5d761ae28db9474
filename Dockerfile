# ozmap-simulator in a container: `ozsim serve` on 0.0.0.0:9994, from the built wheel.
#
#   docker build -t ozmap-simulator .
#   docker run --rm -p 9994:9994 -e OZSIM_ADMIN_TOKEN=secret ozmap-simulator      # demo network
#   docker run --rm -p 9994:9994 -e OZSIM_ADMIN_TOKEN=secret -e OZSIM_NETWORK=mid ozmap-simulator
#
# Inside a container the server listens beyond loopback, so the control plane (/__ozsim:
# tenants, reset, faults, ...) needs an admin token, sent as X-Ozsim-Admin; without
# OZSIM_ADMIN_TOKEN it is served disabled (the banner says so) and only the APIs answer.
# Every OZSIM_* variable of `ozsim serve` works (README, "Running it"). The runtime
# dependencies are the pinned ones of requirements.lock; nothing is fetched at run time.

# the map library of the web pages (Leaflet, pinned in web/package-lock.json), built by the
# same Makefile step as `make run` and `make test`
FROM node:20-slim AS assets
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY web ./web
RUN mkdir -p simulator/web/static && make assets

# the wheel, assets included (package data)
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY simulator ./simulator
COPY --from=assets /src/simulator/web/static/vendor ./simulator/web/static/vendor
COPY scenarios ./scenarios
COPY contracts ./contracts
RUN pip wheel --no-cache-dir --disable-pip-version-check --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
COPY requirements.lock /tmp/requirements.lock
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-cache-dir --disable-pip-version-check -c /tmp/requirements.lock \
        /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels /tmp/requirements.lock \
    && useradd --create-home --uid 10001 ozsim
USER ozsim
WORKDIR /home/ozsim
ENV OZSIM_HOST=0.0.0.0 OZSIM_PORT=9994
EXPOSE 9994
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/' % os.environ['OZSIM_PORT'], timeout=4)"
CMD ["ozsim", "serve"]
