# ozmap-simulator in a container: `ozsim serve` on 0.0.0.0:9994 with the demo network.
#
#   docker build -t ozmap-simulator .
#   docker run --rm -p 9994:9994 ozmap-simulator                      # the demo network
#   docker run --rm -p 9994:9994 -e OZSIM_NETWORK=mid -e OZSIM_API_KEY=my-key ozmap-simulator
#
# Every OZSIM_* variable of `ozsim serve` works (README, "Running it"). The image installs the
# same pinned lock as `make run`; nothing is fetched at run time.

# the map library of the web pages (Leaflet, pinned in web/package-lock.json), built by the
# same Makefile step as `make run` and `make test`
FROM node:20-slim AS assets
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY web ./web
RUN mkdir -p simulator/web/static && make assets

FROM python:3.11-slim

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --disable-pip-version-check -r requirements.lock
COPY pyproject.toml README.md ./
COPY simulator ./simulator
COPY --from=assets /src/simulator/web/static/vendor ./simulator/web/static/vendor
COPY scenarios ./scenarios
COPY contracts ./contracts
RUN pip install --no-cache-dir --disable-pip-version-check --no-deps -e .

ENV OZSIM_HOST=0.0.0.0 OZSIM_PORT=9994
EXPOSE 9994
USER nobody
CMD ["ozsim", "serve"]
