// ssgx's Node host: loads Netlify functions (v1 and v2) and runs the
// invocations ssgx sends it. Embedded in the ssgx binary and started once;
// modules stay loaded between calls, as on a warm Lambda.
//
// Protocol: ssgx listens on the Unix socket named by SSGX_HOST_SOCKET; the
// host connects and both sides exchange JSON messages, one a line.
//   ssgx → host: {id, name, entry, api, event, requestId, params, timeoutMs} | {id, ping: true}
//   host → ssgx: {id, ok: true, v1: <v1 handler result, or a v2 Response as one>}
//              | {id, ok: false, error: {type, message, stack}} | {id, ok: true, pong: true}
// stdout and stderr are the functions' own: their logs reach the terminal.
'use strict';

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { pathToFileURL } = require('node:url');

// This script lives in PROJECT/.ssgx/node/.
const projectRoot = path.resolve(__dirname, '..', '..');
const modules = new Map();
// Entries that did not parse, with the located error: found once, since
// Node keeps failing the same import until an edit restarts this host.
const syntaxErrors = new Map();

async function load(entry) {
  let mod = modules.get(entry);
  if (!mod) {
    if (syntaxErrors.has(entry)) throw syntaxErrors.get(entry);
    try {
      mod = await import(pathToFileURL(entry).href);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      const located = locateSyntaxError(entry, err);
      syntaxErrors.set(entry, located);
      throw located;
    }
    modules.set(entry, mod);
  }
  return mod;
}

// A module that does not parse fails its import without saying where;
// `node --check` says (file:line, the line, a caret under the column). The
// entry is checked first, then the local modules it imports.
function locateSyntaxError(entry, err) {
  for (const file of localModules(entry)) {
    const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10000 });
    const lines = (check.stderr || '').split('\n');
    const at = /^(.*):(\d+)$/.exec(lines[0] || '');
    if (check.status === 0 || !at) continue;
    const relative = path.relative(projectRoot, at[1]);
    const where = relative.startsWith('..') ? at[1] : relative;
    const caret = (lines[2] || '').indexOf('^');
    const column = caret >= 0 ? `:${caret + 1}` : '';
    const located = new SyntaxError(`${where}:${at[2]}${column}: ${err.message}`);
    located.stack = `${lines[1] || ''}\n${lines[2] || ''}`;
    return located;
  }
  err.message += ' (in a module this function imports: `node --check FILE` finds it)';
  err.stack = '';
  return err;
}

// The entry and the files it imports by relative path, breadth first.
function* localModules(entry) {
  const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"'\n]+)["']/g;
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0 && seen.size <= 200) {
    const file = queue.shift();
    yield file;
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(specifier)) {
      const found = resolveLocal(path.resolve(path.dirname(file), m[1]));
      if (found && !seen.has(found)) {
        seen.add(found);
        queue.push(found);
      }
    }
  }
}

function resolveLocal(base) {
  for (const candidate of [base, `${base}.js`, `${base}.mjs`, `${base}.cjs`, path.join(base, 'index.js')]) {
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return null;
}

function errorOf(err) {
  if (err instanceof Error) {
    return { type: err.name || 'Error', message: err.message, stack: err.stack || '' };
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

// The v1 ↔ v2 bridge, shared with the bundles shipped to Netlify.
let adapter;
async function runV2(mod, msg) {
  adapter ||= await import(pathToFileURL(require('node:path').join(__dirname, 'v2-adapter.mjs')).href);
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
