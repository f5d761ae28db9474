#!/usr/bin/env node
// Drives the simulator with the official OZmap SDK (@ozmap/ozmap-sdk 1.1.8), one scenario per run.
//
//   BASE_URL=http://127.0.0.1:9994 API_KEY=<key> node tests/sdk/driver.mjs <scenario> [args...]
//   node tests/sdk/driver.mjs <scenario> --base-url http://... --api-key <key> [args...]
//
// Prints exactly one JSON document on stdout. On an unexpected exception it prints the error
// (with the HTTP status and response body when the SDK threw an axios response) on stderr and
// exits 1. Every scenario creates what it needs first, so it works on an empty tenant (the
// catalogue of types and the API user are enough). Run without arguments for the list.

// The SDK's logger (@ozmap/logger) starts an HTTP control server on :9898 and logs every request at
// `debug` level on stdout unless told otherwise; both must be off before the SDK is loaded.
process.env.OZLOGGER_HTTP ??= 'false';
process.env.OZLOGGER_LEVEL ??= 'error';
for (const name of ['log', 'info', 'debug', 'warn']) {
  console[name] = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
}

import http from 'node:http';
import crypto from 'node:crypto';

const sdkModule = await import('@ozmap/ozmap-sdk');
const OZMapSDK = sdkModule.default?.default ?? sdkModule.default;

// ---- arguments ------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const opts = { baseUrl: process.env.BASE_URL, apiKey: process.env.API_KEY };
const positional = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--base-url') opts.baseUrl = argv[++i];
  else if (argv[i] === '--api-key') opts.apiKey = argv[++i];
  else positional.push(argv[i]);
}
const [scenarioName, ...scenarioArgs] = positional;

// ---- helpers --------------------------------------------------------------------------------
const TAG = crypto.randomBytes(4).toString('hex');   // makes names unique per run
const COORDS = [-52.4612, -23.0712];                 // [lng, lat]
const MISSING_ID = '0123456789abcdef01234567';       // well formed, never issued

function objectId() {
  return crypto.randomBytes(12).toString('hex');
}

function makeSdk({ baseUrl = opts.baseUrl, apiKey = opts.apiKey } = {}) {
  if (!baseUrl || !apiKey) throw new Error('BASE_URL and API_KEY are required (env or --base-url/--api-key)');
  return new OZMapSDK(baseUrl, { apiKey });
}

/** Records every request the SDK's axios instance sends (after the SDK built it); one log per SDK. */
const requestLogs = new WeakMap();
function recordRequests(sdk) {
  if (requestLogs.has(sdk)) return requestLogs.get(sdk);
  const log = [];
  sdk.apiInstance.client.interceptors.request.use((config) => {
    log.push({ method: config.method, url: config.url, params: { ...(config.params || {}) }, data: config.data });
    return config;
  });
  requestLogs.set(sdk, log);
  return log;
}

/** The HTTP status and body of an SDK failure (the SDK rejects with the axios response). */
function failure(error) {
  if (error && typeof error === 'object' && 'status' in error && 'data' in error) {
    return { status: error.status, data: error.data };
  }
  if (error?.response) return { status: error.response.status, data: error.response.data };
  if (error?.name === 'ZodError') return { status: 'ZOD', data: error.issues };
  return { status: null, data: String(error?.message ?? error) };
}

/** Runs fn and returns {ok: true, value} or {ok: false, status, data} instead of throwing. */
async function attempt(fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, ...failure(error) };
  }
}

async function typeByCode(proxy, code) {
  const { rows } = await proxy.find({ filter: [{ property: 'code', operator: '=', value: code }] });
  if (!rows.length) throw new Error(`no type with code ${JSON.stringify(code)} in the catalogue`);
  return rows[0];
}

async function firstRow(proxy, what) {
  const row = await proxy.findOne({});
  if (!row) throw new Error(`the tenant has no ${what}`);
  return row;
}

async function newProject(sdk, name = `SDK ${TAG}`) {
  return sdk.project.create({ name });
}

async function newBox(sdk, project, extra = {}) {
  const boxType = await typeByCode(sdk.boxType, 'CTO');
  return sdk.box.create({
    project: project.id, coords: COORDS, boxType: boxType.id, hierarchyLevel: 3, implanted: true,
    name: `CTO ${TAG}`, ...extra,
  });
}

async function newServiceSplitter(sdk, box, extra = {}) {
  const splitterType = await typeByCode(sdk.splitterType, '01/08 A C');
  return sdk.splitter.create({ parent: box.id, splitterType: splitterType.id, isDrop: true, name: `SPL ${TAG}`, ...extra });
}

/** project → box (CTO from the catalogue) → service splitter 1x8. */
async function network(sdk) {
  const project = await newProject(sdk);
  const box = await newBox(sdk, project);
  const splitter = await newServiceSplitter(sdk, box);
  return { project, box, splitter };
}

// `listing()`: LIST_ORDER.length elements created in an order that is neither the sort order nor
// its reverse, read back with findAll in batches of LIST_BATCH: pages of 3, 3 and 1.
const LIST_ORDER = [3, 0, 5, 1, 6, 2, 4];
const LIST_BATCH = 3;

/**
 * The reading half of every resource's scenario, on elements it creates first:
 *   - `make(k)` → the create data of the element of sort rank k (its `sortBy` values must differ),
 *     for each k of LIST_ORDER; `decoy` (optional) → one more element the filter must leave out;
 *   - `find` with `filter` and a descending sort on `sortBy`;
 *   - `findAll` with the same filter and batchSize LIST_BATCH (several pages);
 *   - `findById` of a well-formed ObjectId never issued (must be null).
 * `create(data)` defaults to `proxy.create`; it must resolve to the element as `proxy` reads it.
 * The Python side checks the order against the created values, not against the response.
 */
async function listing(sdk, proxy, { make, decoy = null, filter, sortBy, create = (data) => proxy.create(data) }) {
  const log = recordRequests(sdk);
  const elements = [];
  for (const k of LIST_ORDER) {
    const doc = await create(make(k));
    elements.push({ id: doc.id, key: doc[sortBy] ?? null });
  }
  const decoyDoc = decoy === null ? null : await create(decoy);
  const sorted = await proxy.find({ filter, sorter: [{ property: sortBy, direction: -1 }], limit: 100 });
  const from = log.length;
  const all = await proxy.findAll({ filter, batchSize: LIST_BATCH });
  const pages = log.slice(from).map((r) => ({ start: r.params.start ?? null, limit: r.params.limit ?? null }));
  const neverIssued = objectId();
  const missing = await proxy.findById(neverIssued);
  return {
    sortBy, elements, decoy: decoyDoc?.id ?? null,
    sorted: { total: sorted.total, count: sorted.count, ids: sorted.rows.map((r) => r.id), keys: sorted.rows.map((r) => r[sortBy] ?? null) },
    all: all.map((r) => r.id), pages, neverIssued, missing,
  };
}

/**
 * create → findById → updateById → findById → deleteById → findById (must be null), then, when
 * `list` ({sdk, make, decoy, filter, sortBy}) is given, `listing()` on elements created for it.
 */
async function crud(proxy, createData, updateData, list = null) {
  const created = await proxy.create(createData);
  const fetched = await proxy.findById(created.id);
  const updateResult = await proxy.updateById(created.id, structuredClone(updateData));
  const updated = await proxy.findById(created.id);
  const deleteResult = await proxy.deleteById(created.id);
  const afterDelete = await proxy.findById(created.id);
  const listedAfterDelete = await proxy.find({ filter: [{ property: 'id', operator: '=', value: created.id }] });
  return {
    created, fetched, updateResult: updateResult ?? null, updated, deleteResult: deleteResult ?? null,
    afterDelete, listedAfterDelete: listedAfterDelete.total,
    ...(list && { listing: await listing(list.sdk, proxy, list) }),
  };
}

/** The filter `listing()` scenarios use on names: `List-<TAG>-<k>`. */
const listName = (k) => `List-${TAG}-${k}`;
const likeListName = (property = 'name') => ({ property, operator: 'like', value: `List-${TAG}-` });

// ---- scenarios ------------------------------------------------------------------------------
const scenarios = {
  /** `find` with filters (like, =, OR group), sorter, page/limit, select, populate; `findOne`. */
  async find(sdk) {
    const project = await newProject(sdk);
    const other = await newProject(sdk, `SDK other ${TAG}`);
    const names = [`Alpha-${TAG}-1`, `Alpha-${TAG}-2`, `Alpha-${TAG}-3`, `Beta-${TAG}`];
    const boxes = [];
    for (const name of names) boxes.push(await newBox(sdk, project, { name }));
    const elsewhere = await newBox(sdk, other, { name: `Alpha-${TAG}-elsewhere` });
    const inProject = { property: 'project', operator: '=', value: project.id };

    const like = await sdk.box.find({
      filter: [{ property: 'name', operator: 'like', value: `alpha-${TAG}` }, inProject],
      sorter: [{ property: 'name', direction: -1 }],
    });
    const likeAnywhere = await sdk.box.find({ filter: [{ property: 'name', operator: 'like', value: `Alpha-${TAG}` }] });
    const byProject = await sdk.box.find({ filter: [inProject], sorter: [{ property: 'name', direction: 1 }] });
    const orGroup = await sdk.box.find({
      filter: [inProject, [
        { property: 'name', operator: '=', value: names[0] },
        { property: 'name', operator: '=', value: names[3] },
      ]],
    });
    const byIds = await sdk.box.find({ filter: [{ property: 'id', operator: 'in', value: [boxes[1].id, elsewhere.id] }] });
    const page2 = await sdk.box.find({ filter: [inProject], sorter: [{ property: 'name', direction: 1 }], page: 2, limit: 2 });
    const selected = await sdk.box.find({ filter: [inProject], select: 'name', limit: 1 });
    const populated = await sdk.box.find({ filter: [{ property: 'id', operator: '=', value: boxes[0].id }], populate: ['project', 'boxType'] });
    const populatedString = await sdk.box.find({ filter: [{ property: 'id', operator: '=', value: boxes[0].id }], populate: 'project' });
    const one = await sdk.box.findOne({ filter: [{ property: 'name', operator: '=', value: names[2] }] });
    const none = await sdk.box.findOne({ filter: [{ property: 'name', operator: '=', value: `nothing-${TAG}` }] });
    const exists = await sdk.box.find({ filter: [inProject, { property: 'observation', operator: 'exists', value: false }] });
    const rowNames = (page) => page.rows.map((r) => r.name);
    return {
      project: project.id, boxes: boxes.map((b) => b.id), names, elsewhere: elsewhere.id,
      like: { total: like.total, count: like.count, names: rowNames(like) },
      likeAnywhere: { total: likeAnywhere.total, ids: likeAnywhere.rows.map((r) => r.id) },
      byProject: { total: byProject.total, names: rowNames(byProject), hasNextPage: byProject.hasNextPage, nextUrl: byProject.nextUrl ?? null },
      orGroup: { total: orGroup.total, names: rowNames(orGroup).sort() },
      byIds: { total: byIds.total, ids: byIds.rows.map((r) => r.id).sort() },
      page2: {
        total: page2.total, count: page2.count, start: page2.start, limit: page2.limit, names: rowNames(page2),
        hasNextPage: page2.hasNextPage, nextUrl: page2.nextUrl ?? null,
      },
      selected: selected.rows[0],
      populated: { project: populated.rows[0]?.project, boxType: populated.rows[0]?.boxType },
      populatedString: { project: populatedString.rows[0]?.project },
      findOne: one && { id: one.id, name: one.name },
      findOneNone: none,
      existsFalse: exists.total,
    };
  },

  /** `findAll` crossing several pages (the nextUrl trap: docs/api-conventions.md). */
  async findAll(sdk) {
    const requests = recordRequests(sdk);
    const created = [];
    for (let i = 0; i < 30; i++) {
      created.push((await sdk.tag.create({ name: `findAll-${TAG}-${String(i).padStart(2, '0')}`, allowedTypes: ['box'] })).id);
    }
    const mine = [{ property: 'name', operator: 'like', value: `findAll-${TAG}-` }];
    const before = requests.length;
    const all = await sdk.tag.findAll({ filter: mine, batchSize: 7 });
    const pageRequests = requests.slice(before);
    const sorted = await sdk.tag.findAll({ filter: mine, sorter: [{ property: 'name', direction: -1 }], batchSize: 7 });
    const selected = await sdk.tag.findAll({ filter: mine, batchSize: 7, select: 'name' });
    // a larger collection with the SDK's default batch size (100) and no filter: boxes of one project
    const project = await newProject(sdk);
    const boxIds = [];
    for (let i = 0; i < 12; i++) boxIds.push((await newBox(sdk, project, { name: `findAll-box-${TAG}-${i}` })).id);
    const boxes = await sdk.box.findAll({ filter: [{ property: 'project', operator: '=', value: project.id }], batchSize: 5, populate: 'boxType' });
    return {
      created,
      count: all.length,
      ids: all.map((t) => t.id),
      requests: pageRequests.map((r) => ({ url: r.url, params: r.params })),
      sortedNames: sorted.map((t) => t.name),
      selectedKeys: [...new Set(selected.flatMap((t) => Object.keys(t)))].sort(),
      selectedCount: selected.length,
      boxIds,
      boxes: boxes.map((b) => ({ id: b.id, boxTypeCode: b.boxType?.code ?? null })),
    };
  },

  /** `findById`: an element, a missing well-formed id (null), a malformed id (thrown). */
  async findById(sdk) {
    const project = await newProject(sdk);
    const box = await newBox(sdk, project);
    const found = await sdk.box.findById(box.id);
    const withSelect = await sdk.box.findById(box.id, { select: 'name' });
    const withPopulate = await sdk.box.findById(box.id, { populate: ['project'] });
    const missing = await sdk.box.findById(MISSING_ID);
    const missingProject = await sdk.project.findById(MISSING_ID);
    const malformed = await attempt(() => sdk.box.findById('not-an-object-id'));
    return { box, found, withSelect, withPopulate: { project: withPopulate?.project }, missing, missingProject, malformed };
  },

  async projects(sdk) {
    return crud(sdk.project, { name: `Projeto ${TAG}` }, { name: `Projeto ${TAG} renamed`, identifier: `ID-${TAG}`, defaultPonPotency: 4 }, {
      sdk, sortBy: 'name', make: (k) => ({ name: listName(k), identifier: `L-${k}` }),
      decoy: { name: listName('decoy') }, filter: [likeListName(), { property: 'identifier', operator: 'exists', value: true }],
    });
  },

  async tags(sdk) {
    return crud(sdk.tag, { name: `Tag ${TAG}`, allowedTypes: ['box', 'client'] }, { name: `Tag ${TAG} renamed`, allowedTypes: ['box'] }, {
      sdk, sortBy: 'name', make: (k) => ({ name: listName(k), allowedTypes: ['box', 'pole'] }),
      decoy: { name: listName('decoy'), allowedTypes: ['client'] }, filter: [likeListName(), { property: 'allowedTypes', operator: '=', value: 'box' }],
    });
  },

  async boxes(sdk) {
    const project = await newProject(sdk);
    const other = await newProject(sdk, `SDK other ${TAG}`);
    const boxType = await typeByCode(sdk.boxType, 'CTO');
    const result = await crud(
      sdk.box,
      { project: project.id, coords: COORDS, boxType: boxType.id, hierarchyLevel: 3, implanted: true, name: `CTO ${TAG}`, observation: 'criada pelo SDK' },
      { name: `CTO ${TAG} renamed`, implanted: false, observation: 'atualizada pelo SDK', coords: [-52.4615, -23.0715] },
      {
        sdk, sortBy: 'name',
        make: (k) => ({ project: project.id, coords: COORDS, boxType: boxType.id, hierarchyLevel: 3, implanted: true, name: listName(k) }),
        decoy: { project: other.id, coords: COORDS, boxType: boxType.id, hierarchyLevel: 3, implanted: true, name: listName('decoy') },
        filter: [{ property: 'project', operator: '=', value: project.id }, likeListName()],
      },
    );
    return { project: project.id, boxType: boxType.id, ...result };
  },

  async splitters(sdk) {
    const project = await newProject(sdk);
    const box = await newBox(sdk, project);
    const splitterType = await typeByCode(sdk.splitterType, '01/08 A C');
    const result = await crud(
      sdk.splitter,
      { parent: box.id, splitterType: splitterType.id, isDrop: true, name: `SPL ${TAG}` },
      { name: `SPL ${TAG} renamed`, observation: 'atualizado pelo SDK' },
    );
    const inBox = await sdk.splitter.find({ filter: [{ property: 'parent', operator: '=', value: box.id }] });
    // the listing: seven splitters in a box of their own, the decoy (same name pattern) in the first box
    const listBox = await newBox(sdk, project, { name: `CTO list ${TAG}` });
    const splitterListing = await listing(sdk, sdk.splitter, {
      sortBy: 'name', make: (k) => ({ parent: listBox.id, splitterType: splitterType.id, isDrop: true, name: listName(k) }),
      decoy: { parent: box.id, splitterType: splitterType.id, isDrop: true, name: listName('decoy') },
      filter: [{ property: 'parent', operator: '=', value: listBox.id }, likeListName()],
    });
    return { project: project.id, box: box.id, splitterType: splitterType.id, ...result, inBoxAfterDelete: inBox.total, listing: splitterListing };
  },

  /**
   * Properties: create with a nested client and auto_connect (a port reservation), read, update,
   * batch update, look up by client code, delete; the splitter's port is checked at each step.
   */
  async properties(sdk) {
    const { project, box, splitter } = await network(sdk);
    const code = `C|${TAG}`;
    const created = await sdk.property.create({
      project: project.id, box: box.id, coords: [-52.4614, -23.0709], address: `Rua do SDK, ${TAG}`,
      client: { code, name: 'Cliente SDK', implanted: false }, auto_connect: true,
    });
    const splitterAfterCreate = await sdk.splitter.findById(splitter.id);
    const fetched = await sdk.property.findById(created.id);
    const populated = await sdk.property.findById(created.id, { populate: ['client', 'box'] });
    const client = await sdk.ftthClient.findById(created.client);
    await sdk.property.updateById(created.id, { address: `Rua do SDK, ${TAG}, casa 2`, observation: 'atualizado', potencyRead: -21.5 });
    const updated = await sdk.property.findById(created.id);
    const batch = await sdk.property.batchUpdate([{ property: 'id', operator: 'in', value: [created.id] }], { potencyRead: -19.25 });
    const afterBatch = await sdk.property.findById(created.id);
    const byBox = await sdk.property.find({ filter: [{ property: 'box', operator: '=', value: box.id }] });
    const byClientCode = await sdk.apiInstance.get({ route: `properties/client/${encodeURIComponent(code)}` });
    await sdk.property.deleteById(created.id);
    const afterDelete = await sdk.property.findById(created.id);
    const clientAfterDelete = await sdk.ftthClient.findById(created.client);
    const splitterAfterDelete = await sdk.splitter.findById(splitter.id);
    // the listing: seven reservations (nested client, auto_connect) in the box; the decoy, with the
    // same address pattern, has no box
    const propertyListing = await listing(sdk, sdk.property, {
      sortBy: 'address',
      make: (k) => ({ project: project.id, box: box.id, address: listName(k), client: { code: `L${k}-${TAG}` }, auto_connect: true }),
      decoy: { project: project.id, coords: [-52.4619, -23.0719], address: listName('decoy'), client: { code: `LD-${TAG}` } },
      filter: [{ property: 'box', operator: '=', value: box.id }, likeListName('address')],
    });
    const splitterAfterListing = await sdk.splitter.findById(splitter.id);
    return {
      project: project.id, box: box.id, splitter: splitter.id, code,
      listing: propertyListing, splitterAfterListing: splitterAfterListing.connectables,
      splitterBefore: splitter.connectables, created, splitterAfterCreate: splitterAfterCreate.connectables,
      fetched, populated: { client: populated.client, box: populated.box }, client, updated,
      batch: batch ?? null, afterBatch: { potencyRead: afterBatch.potencyRead },
      byBox: { total: byBox.total, ids: byBox.rows.map((r) => r.id) },
      byClientCode,
      afterDelete, clientAfterDelete, splitterAfterDelete: splitterAfterDelete.connectables,
    };
  },

  /** Leaves a reserved port behind: project → box → splitter → property (auto_connect). */
  async reserve(sdk) {
    const { project, box, splitter } = await network(sdk);
    const property = await sdk.property.create({
      project: project.id, box: box.id, client: { code: `R-${TAG}`, name: 'Reserva SDK' }, auto_connect: true,
    });
    return { project: project.id, box: box.id, splitter: splitter.id, property };
  },

  /** Clients: created nested in a property (the SDK has no ftthClient.create), then updated and deleted. */
  async ftthClients(sdk) {
    const { project, box, splitter } = await network(sdk);
    const code = `F-${TAG}`;
    const property = await sdk.property.create({
      project: project.id, box: box.id, client: { code, name: 'Cliente FTTH' }, auto_connect: true,
    });
    const clientId = property.client;
    const created = await sdk.ftthClient.findById(clientId);
    const onu = { user_PPPoE: `pppoe-${TAG}`, serial_number: `ZTEG${TAG.toUpperCase()}`, mac_address: 'AA:BB:CC:DD:EE:FF' };
    const updateResult = await sdk.ftthClient.updateById(clientId, { implanted: true, status: 1, onu });
    const updated = await sdk.ftthClient.findById(clientId);
    const bySerial = await sdk.ftthClient.find({ filter: [{ property: 'onu.serial_number', operator: '=', value: onu.serial_number }] });
    const byCode = await sdk.ftthClient.find({ filter: [{ property: 'code', operator: '=', value: code }] });
    const batch = await sdk.ftthClient.batchUpdate([{ property: 'id', operator: 'in', value: [clientId] }], { status: 0, certified: true });
    const afterBatch = await sdk.ftthClient.findById(clientId);
    const deleteResult = await sdk.ftthClient.deleteById(clientId);
    const afterDelete = await sdk.ftthClient.findById(clientId);
    const propertyAfterDelete = await sdk.property.findById(property.id);
    const splitterAfterDelete = await sdk.splitter.findById(splitter.id);
    // the listing: seven clients born in unconnected properties of the box (not implanted, as the
    // SDK injects); the decoy has the same code pattern but is implanted
    const clientListing = await listing(sdk, sdk.ftthClient, {
      sortBy: 'code',
      make: (k) => ({ project: project.id, box: box.id, client: { code: listName(k), name: `Cliente ${k}` } }),
      decoy: { project: project.id, box: box.id, client: { code: listName('decoy'), implanted: true } },
      filter: [likeListName('code'), { property: 'implanted', operator: '=', value: false }],
      create: async (data) => sdk.ftthClient.findById((await sdk.property.create(data)).client),
    });
    return {
      project: project.id, box: box.id, splitter: splitter.id, property, clientId, code, onu, created, listing: clientListing,
      updateResult: updateResult ?? null, updated,
      bySerial: { total: bySerial.total, ids: bySerial.rows.map((r) => r.id) },
      byCode: { total: byCode.total, ids: byCode.rows.map((r) => r.id) },
      batch: batch ?? null, afterBatch, deleteResult: deleteResult ?? null, afterDelete,
      propertyAfterDelete, splitterAfterDelete: splitterAfterDelete.connectables,
    };
  },

  async prospects(sdk) {
    return crud(
      sdk.prospect,
      { name: `Lead ${TAG}`, code: `P-${TAG}`, phone: '+55 44 99999-0000', address: 'Av. Brasil, 100', coords: COORDS, viable: false },
      { viable: true, observation: 'contatado', name: `Lead ${TAG} renamed` },
      {
        sdk, sortBy: 'name', make: (k) => ({ name: listName(k), code: `LP-${k}-${TAG}`, coords: COORDS, viable: false }),
        decoy: { name: listName('decoy'), coords: COORDS, viable: true },
        filter: [likeListName(), { property: 'viable', operator: '=', value: false }],
      },
    );
  },

  async pendencies(sdk) {
    const project = await newProject(sdk);
    const other = await newProject(sdk, `SDK other ${TAG}`);
    const pendencyType = await firstRow(sdk.pendencyType, 'pendency types');
    const owner = await firstRow(sdk.users, 'users');
    const result = await crud(
      sdk.pendency,
      { owner: owner.id, project: project.id, pendencyType: pendencyType.id, coords: COORDS, name: `Pendência ${TAG}`, description: 'poste caído' },
      { solved: true, description: 'resolvida' },
      {
        sdk, sortBy: 'name',
        make: (k) => ({ owner: owner.id, project: project.id, pendencyType: pendencyType.id, coords: COORDS, name: listName(k) }),
        decoy: { owner: owner.id, project: other.id, pendencyType: pendencyType.id, coords: COORDS, name: listName('decoy') },
        filter: [{ property: 'project', operator: '=', value: project.id }, likeListName()],
      },
    );
    return { project: project.id, pendencyType: pendencyType.id, owner: owner.id, ...result };
  },

  /** POP → OLT → slot → PON as the SDK allows; PON potency updated (OZmap's official flow). */
  async pons(sdk) {
    const project = await newProject(sdk);
    const popType = await typeByCode(sdk.popType, 'POP');
    const pop = await sdk.pop.create({ project: project.id, coords: COORDS, popType: popType.id, hierarchyLevel: 1, implanted: true, name: `POP ${TAG}` });
    const oltType = await firstRow(sdk.oltType, 'OLT types');
    const olt = await sdk.olt.create({ parent: pop.id, project: project.id, shelf: objectId(), oltType: oltType.id, name: `OLT ${TAG}`, ip: '10.20.0.11' });
    const slot = await sdk.slot.create({ olt: olt.id, parent: pop.id, starting_pon_number: 1, name: `Slot ${TAG}` });
    const oltByName = await sdk.olt.findOne({ filter: [{ property: 'name', operator: '=', value: `OLT ${TAG}` }] });
    const created = await sdk.pon.create({ slot: slot.id, project: project.id, parent: pop.id, name: `PON ${TAG}` });
    const slotFetched = await sdk.slot.findById(slot.id);
    const fetched = await sdk.pon.findById(created.id);
    const updateResult = await sdk.pon.updateById(created.id, { potency: 5.5, name: `PON ${TAG} renamed` });
    const updated = await sdk.pon.findById(created.id);
    const bySlot = await sdk.pon.find({ filter: [{ property: 'slot', operator: '=', value: slot.id }] });
    const oltUpdate = await sdk.olt.updateById(olt.id, { label: 'rack 1', port: 2222 });
    const oltAfterUpdate = await sdk.olt.findById(olt.id);
    const deleteResult = await sdk.pon.deleteById(created.id);
    const afterDelete = await sdk.pon.findById(created.id);
    const listedAfterDelete = await sdk.pon.find({ filter: [{ property: 'id', operator: '=', value: created.id }] });
    // the listing: seven PONs in the slot; the decoy, same name pattern, in a second slot of the OLT
    const otherSlot = await sdk.slot.create({ olt: olt.id, parent: pop.id, starting_pon_number: 1, name: `Slot 2 ${TAG}` });
    const ponListing = await listing(sdk, sdk.pon, {
      sortBy: 'name', make: (k) => ({ slot: slot.id, project: project.id, parent: pop.id, name: listName(k) }),
      decoy: { slot: otherSlot.id, project: project.id, parent: pop.id, name: listName('decoy') },
      filter: [{ property: 'slot', operator: '=', value: slot.id }, likeListName()],
    });
    return {
      project: project.id, pop, olt, slot, oltByName, created, slotFetched, fetched, listing: ponListing,
      updateResult: updateResult ?? null, updated, bySlot: { total: bySlot.total, ids: bySlot.rows.map((r) => r.id) },
      oltUpdate: oltUpdate ?? null, oltAfterUpdate, deleteResult: deleteResult ?? null, afterDelete,
      listedAfterDelete: listedAfterDelete.total,
    };
  },

  /**
   * Port rules an integrator hits: explicit connector+port, an occupied port (422), moving a
   * property to another port with PATCH, `connector: null` freeing the port, a full box (422).
   */
  async portRules(sdk) {
    const { project, box, splitter } = await network(sdk);
    const base = { project: project.id, box: box.id };
    const onPort3 = await sdk.property.create({ ...base, connector: splitter.id, port: 3, client: { code: `P3-${TAG}` } });
    const occupied = await attempt(() => sdk.property.create({ ...base, connector: splitter.id, port: 3, client: { code: `P3b-${TAG}` } }));
    const outOfRange = await attempt(() => sdk.property.create({ ...base, connector: splitter.id, port: 9, client: { code: `P9-${TAG}` } }));
    const duplicateCode = await attempt(() => sdk.property.create({ ...base, auto_connect: true, client: { code: `P3-${TAG}` } }));
    const afterCreate = (await sdk.splitter.findById(splitter.id)).connectables.output;
    await sdk.property.updateById(onPort3.id, { connector: splitter.id, port: 5 });
    const moved = await sdk.property.findById(onPort3.id);
    const afterMove = (await sdk.splitter.findById(splitter.id)).connectables.output;
    await sdk.property.updateById(onPort3.id, { connector: null });
    const disconnected = await sdk.property.findById(onPort3.id);
    const afterDisconnect = (await sdk.splitter.findById(splitter.id)).connectables.output;
    const fill = [];
    for (let i = 0; i < 8; i++) {
      fill.push((await sdk.property.create({ ...base, auto_connect: true, client: { code: `FILL${i}-${TAG}` } })).connections[0].port);
    }
    const full = await attempt(() => sdk.property.create({ ...base, auto_connect: true, client: { code: `FULL-${TAG}` } }));
    const forced = await attempt(() => sdk.property.create({ ...base, auto_connect: true, force: true, client: { code: `FORCED-${TAG}` } }));
    return {
      splitter: splitter.id, onPort3, occupied, outOfRange, duplicateCode, afterCreate,
      moved: { connections: moved.connections }, afterMove,
      disconnected: { connections: disconnected.connections, drop: disconnected.drop ?? null, client: disconnected.client }, afterDisconnect,
      fill, full, forced: forced.ok ? { ok: true, connections: forced.value.connections } : forced,
      clientsInTenant: (await sdk.ftthClient.find({ filter: [{ property: 'code', operator: 'like', value: TAG }], limit: 1 })).total,
    };
  },

  /** Parallel reservations on one 1x8 box: never two properties on the same port. */
  async concurrentReservations(sdk, n = '12') {
    const { project, box, splitter } = await network(sdk);
    const results = await Promise.all(Array.from({ length: Number(n) }, (_, i) => attempt(() => sdk.property.create({
      project: project.id, box: box.id, auto_connect: true, client: { code: `CC${i}-${TAG}` },
    }))));
    const output = (await sdk.splitter.findById(splitter.id)).connectables.output;
    return {
      splitter: splitter.id,
      ok: results.filter((r) => r.ok).map((r) => ({ id: r.value.id, port: r.value.connections[0]?.port, fiber: r.value.connections[0]?.fiber })),
      failed: results.filter((r) => !r.ok).map((r) => ({ status: r.status, code: r.data?.code })),
      output,
      properties: (await sdk.property.find({ filter: [{ property: 'box', operator: '=', value: box.id }] })).total,
    };
  },

  /** Read-only walk of a populated tenant: findAll totals match find totals, no duplicates. */
  async walk(sdk) {
    const out = {};
    for (const [name, proxy] of [['boxes', sdk.box], ['splitters', sdk.splitter], ['properties', sdk.property], ['ftthClients', sdk.ftthClient], ['pons', sdk.pon]]) {
      const { total } = await proxy.find({ limit: 1 });
      const all = await proxy.findAll({ batchSize: 37 });
      out[name] = { total, count: all.length, unique: new Set(all.map((d) => d.id)).size };
    }
    const withClient = await sdk.property.find({ filter: [{ property: 'client', operator: '!=', value: null }], limit: 1, populate: ['client', 'box'] });
    out.sampleProperty = withClient.rows[0] ?? null;
    return out;
  },

  /** Read-only calls an integrator makes: system configs, users, the catalogue types. */
  async catalogue(sdk) {
    const systemConfig = await sdk.systemConfig.find();
    const users = await sdk.users.find({});
    const boxTypes = await sdk.boxType.findAll({ batchSize: 1 });
    const splitterTypes = await sdk.splitterType.find({ filter: [{ property: 'isDrop', operator: '=', value: true }], limit: 100 });
    const pendencyTypes = await sdk.pendencyType.find({});
    return {
      systemConfig,
      users: { total: users.total, rows: users.rows.map((u) => ({ id: u.id, username: u.username })) },
      boxTypes: boxTypes.map((t) => t.code),
      serviceSplitterTypes: splitterTypes.rows.map((t) => ({ code: t.code, isDrop: t.isDrop })),
      pendencyTypes: pendencyTypes.rows.map((t) => t.name),
    };
  },

  /** An unknown key: the SDK logs in once (401 again) and rethrows the 401. */
  /**
   * The SDK under a fault (tests/api/test_sdk_faults.py): a network, then the control-plane calls
   * and requests given as JSON (fault rules, a rate limit, requests that use up its tokens), then
   * one port reservation. Reports the SDK's outcome, how many POSTs it sent, and what the
   * simulator holds afterwards. The SDK waits 5 s before it retries a reset: that wait is
   * shortened to 20 ms here (what it retries is unchanged).
   */
  async underFault(sdk, setupJson = '[]') {
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = (fn, ms, ...args) => realSetTimeout(fn, ms === 5e3 ? 20 : ms, ...args);
    const call = async (method, path, body) => {
      const response = await fetch(new URL(path, opts.baseUrl), {
        method, headers: { Authorization: opts.apiKey, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path} → ${response.status}`);
    };
    const { project, box, splitter } = await network(sdk);
    for (const step of JSON.parse(setupJson)) await call(step.method, step.path, step.body);
    const log = recordRequests(sdk);
    const code = `F-${TAG}`;
    const outcome = await attempt(() => sdk.property.create({
      project: project.id, box: box.id, client: { code, implanted: false }, auto_connect: true,
    }));
    const posts = log.filter((r) => r.method === 'post').length;
    await call('DELETE', '/__ozsim/faults');              // normal service again, to read the state
    await call('PUT', '/__ozsim/rate-limit', {});
    const held = await sdk.apiInstance.get({ route: `properties/client/${encodeURIComponent(code)}` });
    const after = await sdk.splitter.findById(splitter.id);
    return {
      outcome: outcome.ok ? { ok: true, type: typeof outcome.value, id: outcome.value?.id ?? null } : outcome,
      posts, properties: held.length, freePorts: after.connectables.output.filter((f) => f === null).length,
    };
  },

  async badKey() {
    const sdk = makeSdk({ apiKey: `not-a-key-${TAG}` });
    const requests = recordRequests(sdk);
    const result = await attempt(() => sdk.project.find({}));
    return { result, requests: requests.map((r) => ({ method: r.method, url: r.url })) };
  },

  /** Generic helpers for the Python tests: `get <proxy> <id>` and `delete <proxy> <id>`. */
  async get(sdk, proxyName, id) {
    return { element: await sdk[proxyName].findById(id) };
  },
  async delete(sdk, proxyName, id) {
    await sdk[proxyName].deleteById(id);
    return { deleted: id, afterDelete: await sdk[proxyName].findById(id) };
  },

  /**
   * What the SDK puts on the wire, captured by a local HTTP server (no simulator involved):
   * headers, GET bodies, query shapes, the findAll follow-up query, login on 401.
   */
  async wire() {
    const captured = [];
    let unauthorizedOnce = true;
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url, 'http://capture');
        captured.push({ method: req.method, url: req.url, path: url.pathname, query: [...url.searchParams.entries()], headers: req.headers, body });
        const send = (status, payload) => {
          res.writeHead(status, payload === undefined ? {} : { 'Content-Type': 'application/json' });
          res.end(payload === undefined ? undefined : JSON.stringify(payload));
        };
        if (url.pathname === '/api/v2/users/login') return send(200, { authorization: 'token-from-login' });
        if (url.pathname === '/api/v2/authenticated' && unauthorizedOnce) {
          unauthorizedOnce = false;
          return send(401, { message: 'expired' });
        }
        if (req.method === 'GET' && url.pathname === `/api/v2/boxes/${MISSING_ID}`) return send(404, { message: 'not found' });
        if (req.method === 'GET' && url.pathname === '/api/v2/boxes') {
          const start = Number(url.searchParams.get('start') ?? 0);
          const last = start >= 2;
          return send(200, {
            total: 3, count: 1, start, limit: 1, rows: [{ id: objectId(), name: `row ${start}` }],
            hasNextPage: !last, nextUrl: last ? null : `/api/v2/boxes?start=${start + 1}&limit=1&page=${start + 2}&select=name&extra=kept`,
          });
        }
        if (req.method === 'GET') return send(200, { id: MISSING_ID, name: 'x' });
        if (req.method === 'POST') return send(201, { id: objectId(), ...(body ? JSON.parse(body) : {}) });
        return send(204);
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${server.address().port}`;
    try {
      const sdk = makeSdk({ baseUrl: base, apiKey: 'the-api-key' });
      const steps = {};
      const step = async (name, fn) => {
        const from = captured.length;
        const r = await attempt(fn);
        steps[name] = { result: r.ok ? null : r, requests: captured.slice(from) };
      };
      await step('findNoArgs', () => sdk.box.find());
      await step('find', () => sdk.box.find({
        filter: [{ property: ' name ', operator: 'like', value: 'CTO' }, [{ property: 'project', operator: '=', value: MISSING_ID }]],
        sorter: [{ property: 'name', direction: -1 }], page: 2, limit: 10, select: 'name coords', populate: ['project', 'boxType'],
      }));
      await step('findById', () => sdk.box.findById(MISSING_ID, { select: 'name', populate: 'project' }));
      await step('findAll', () => sdk.box.findAll({ filter: [{ property: 'name', operator: '=', value: 'x' }], batchSize: 1 }));
      await step('create', () => sdk.box.create({ project: MISSING_ID, coords: COORDS, boxType: MISSING_ID, hierarchyLevel: 3, implanted: true }));
      await step('createProperty', () => sdk.property.create({ project: MISSING_ID, box: MISSING_ID, client: { code: 'c1' }, auto_connect: true }));
      await step('createSplitter', () => sdk.splitter.create({ parent: MISSING_ID, splitterType: MISSING_ID }));
      await step('update', () => sdk.box.updateById(MISSING_ID, { name: 'n', external_id: 'dropped-by-sdk' }));
      await step('delete', () => sdk.box.deleteById(MISSING_ID));
      await step('batchUpdate', () => sdk.ftthClient.batchUpdate([{ property: 'id', operator: 'in', value: [MISSING_ID] }], { implanted: true }));
      await step('unauthorizedThenLogin', () => sdk.apiInstance.get({ route: 'authenticated' }));
      await step('afterLogin', () => sdk.project.find({}));
      return { base, steps };
    } finally {
      server.close();
    }
  },
};

// ---- main -----------------------------------------------------------------------------------
async function main() {
  if (!scenarioName || !(scenarioName in scenarios)) {
    process.stderr.write(`usage: node driver.mjs <scenario> [args]\nscenarios: ${Object.keys(scenarios).join(', ')}\n`);
    process.exit(2);
  }
  const needsServer = !['wire', 'badKey'].includes(scenarioName);
  const sdk = needsServer ? makeSdk() : null;
  if (scenarioName === 'badKey') makeSdk();   // still require BASE_URL/API_KEY
  const result = await scenarios[scenarioName](sdk, ...scenarioArgs);
  process.stdout.write(JSON.stringify({ scenario: scenarioName, tag: TAG, result }) + '\n');
}

main().catch((error) => {
  const f = failure(error);
  const request = error?.config ?? error?.response?.config;
  const params = request?.params && Object.keys(request.params).length ? ` params=${JSON.stringify(request.params)}` : '';
  const where = request ? `${String(request.method).toUpperCase()} ${request.baseURL ?? ''}${request.url ?? ''}${params}` : '';
  const what = f.status === null ? (error?.stack ?? String(error)) : `HTTP ${f.status} ${where}: ${JSON.stringify(f.data)}`;
  process.stderr.write(`scenario ${scenarioName} failed: ${what}\n`);
  if (f.status !== null && request?.data) process.stderr.write(`request body: ${request.data}\n`);
  if (f.status !== null && error?.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
