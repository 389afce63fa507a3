// ssgx's Node host: loads Netlify functions (v1 and v2) and runs the
// invocations ssgx sends it. Embedded in the ssgx binary and started once;
// modules stay loaded between calls, as on a warm Lambda.
//
// Protocol: ssgx listens on the Unix socket named by SSGX_HOST_SOCKET; the
// host connects and both sides exchange JSON messages, one a line.
//   ssgx → host: {id, name, entry, api, event, requestId, params, timeoutMs} | {id, ping: true}
//   host → ssgx: {id, ok: true, v1: <v1 handler result, or a v2 Response as one>}
//              | {id, ok: false, error: {type, message, stack, atImport}} | {id, ok: true, pong: true}
// stdout and stderr are the functions' own: their logs reach the terminal.
'use strict';

const net = require('node:net');
const { pathToFileURL } = require('node:url');

const modules = new Map();

async function load(entry) {
  let mod = modules.get(entry);
  if (!mod) {
    try {
      mod = await import(pathToFileURL(entry).href);
    } catch (err) {
      // Node does not say where a module fails to parse; ssgx finds out
      // (`node --check` on the entry and the modules it imports).
      if (err instanceof SyntaxError) err.atImport = true;
      throw err;
    }
    modules.set(entry, mod);
  }
  return mod;
}

function errorOf(err) {
  if (err instanceof Error) {
    return { type: err.name || 'Error', message: err.message, stack: err.stack || '', atImport: err.atImport === true };
  }
  return { type: 'Error', message: String(err), stack: '' };
}

function lambdaContext(msg, deadline) {
  const requestId = msg.requestId;
  return {
    functionName: msg.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${msg.name}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${msg.name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    clientContext: {},
    identity: undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

async function runV1(mod, msg, deadline) {
  const handler = mod.handler || (mod.default && mod.default.handler);
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${msg.name} has no exported handler function`), { name: 'HandlerNotFound' });
  }
  const context = lambdaContext(msg, deadline);
  return new Promise((resolve, reject) => {
    // Handlers may return a promise or call the Lambda callback.
    const callback = (err, result) => (err ? reject(err) : resolve(result));
    context.done = callback;
    context.succeed = (result) => resolve(result);
    context.fail = (err) => reject(err);
    let returned;
    try {
      returned = handler(msg.event, context, callback);
    } catch (err) {
      reject(err);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then(resolve, reject);
    } else if (handler.length < 3) {
      resolve(returned);
    }
  });
}

// The v1 ↔ v2 bridge, shared with the bundles shipped to Netlify. Loaded
// as the host starts, with the Web `Request`/`Response` that Node loads on
// first use: the first import of a process also sets up Node's module
// loader, and together they took ~20 ms. Hosts start ahead of need, so a
// function's first call after an edit does not wait for that.
const adapterLoaded = import(pathToFileURL(require('node:path').join(__dirname, 'v2-adapter.mjs')).href);
adapterLoaded.then(() => new Response(new Request('http://localhost/').body)).catch(() => {});
async function runV2(mod, msg) {
  const adapter = await adapterLoaded;
  const handler = typeof mod.default === 'function' ? mod.default : mod.default && mod.default.default;
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${msg.name} has no default export function`), { name: 'HandlerNotFound' });
  }
  return adapter.callV2(handler, msg.event, { params: msg.params, requestId: msg.requestId });
}

async function handle(msg, reply) {
  if (msg.ping) {
    reply({ id: msg.id, ok: true, pong: true });
    return;
  }
  const deadline = Date.now() + (msg.timeoutMs || 30000);
  try {
    const mod = await load(msg.entry);
    const result = msg.api === 2 ? await runV2(mod, msg) : await runV1(mod, msg, deadline);
    reply({ id: msg.id, ok: true, v1: result === undefined ? null : result });
  } catch (err) {
    reply({ id: msg.id, ok: false, error: errorOf(err) });
  }
}

// A function's stray rejection must not take the other functions down.
process.on('unhandledRejection', (err) => console.error('[ssgx node host] unhandled rejection:', err));
process.on('uncaughtException', (err) => console.error('[ssgx node host] uncaught exception:', err));

const socket = net.createConnection(process.env.SSGX_HOST_SOCKET);
socket.setEncoding('utf8');
const reply = (obj) => {
  let line;
  try {
    line = JSON.stringify(obj);
  } catch (err) {
    line = JSON.stringify({ id: obj.id, ok: false, error: errorOf(err) });
  }
  socket.write(line + '\n');
};
let buffered = '';
socket.on('data', (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    if (line.trim()) handle(JSON.parse(line), reply);
  }
});
socket.on('close', () => process.exit(0));
socket.on('error', () => process.exit(1));
