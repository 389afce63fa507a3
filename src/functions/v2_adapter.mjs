// ssgx's adapter from Netlify's v1 (Lambda) event to the v2 function API
// (Web Request in, Response out) and back. The same code runs a v2
// function in `ssgx dev` (inside the Node host) and in the bundle ssgx
// ships to Netlify, so a function behaves the same in both places.

/** Matches a URLPattern-style path (`/hello/:name`, `/api/*`). */
export function matchParams(patterns, path) {
  const split = (p) => p.replace(/\/+$/, '').split('/').slice(1);
  for (const pattern of patterns || []) {
    const pat = split(pattern);
    const got = split(path);
    const params = {};
    let i = 0;
    let ok = true;
    for (let n = 0; n < pat.length && ok; n++) {
      const p = pat[n];
      if (p === '*') {
        params['0'] = got.slice(i).join('/');
        i = got.length;
        break;
      }
      if (p.startsWith(':')) {
        const optional = p.endsWith('?');
        const name = p.slice(1, optional ? -1 : undefined);
        if (i < got.length && got[i] !== '') {
          params[name] = decodeURIComponent(got[i++]);
        } else if (!(optional && n === pat.length - 1)) {
          ok = false;
        }
        continue;
      }
      if (i < got.length && got[i].toLowerCase() === p.toLowerCase()) i++;
      else ok = false;
    }
    if (ok && i === got.length) return params;
  }
  return {};
}

function requestOf(event) {
  const headers = new Headers();
  for (const [name, values] of Object.entries(event.multiValueHeaders || {})) {
    for (const value of values || []) if (value !== null && value !== undefined) headers.append(name, value);
  }
  if (![...headers.keys()].length) {
    for (const [name, value] of Object.entries(event.headers || {})) headers.set(name, value);
  }
  const init = { method: event.httpMethod, headers };
  if (event.body !== undefined && event.body !== null && !['GET', 'HEAD'].includes(event.httpMethod)) {
    init.body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
    init.duplex = 'half';
  }
  const query = event.rawQuery ? `?${event.rawQuery}` : '';
  const url = event.rawUrl || `https://${headers.get('host') || 'localhost'}${event.path}${query}`;
  return new Request(url, init);
}

function cookieJar(request) {
  const jar = new Map();
  for (const part of (request.headers.get('cookie') || '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) jar.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
  }
  const outgoing = [];
  return {
    get: (name) => jar.get(name),
    set: (name, value) => {
      const opts = typeof name === 'object' ? name : { name, value };
      jar.set(opts.name, opts.value);
      outgoing.push(`${opts.name}=${encodeURIComponent(opts.value)}; Path=${opts.path || '/'}`);
    },
    delete: (name) => {
      jar.delete(name);
      outgoing.push(`${name}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`);
    },
    outgoing,
  };
}

/**
 * Calls a v2 handler with a v1 event; returns a v1 result
 * ({statusCode, multiValueHeaders, body (base64), isBase64Encoded}).
 */
export async function callV2(handler, event, { routes, params, requestId }) {
  const request = requestOf(event);
  const cookies = cookieJar(request);
  const url = new URL(request.url);
  const pending = [];
  const context = {
    params: params || matchParams(routes, event.path),
    ip: (event.headers && (event.headers['x-nf-client-connection-ip'] || event.headers['client-ip'])) || '127.0.0.1',
    geo: { city: 'Local', country: { code: 'XX', name: 'Local' }, subdivision: { code: 'XX', name: 'Local' }, latitude: 0, longitude: 0, timezone: 'UTC' },
    cookies: { get: cookies.get, set: cookies.set, delete: cookies.delete },
    site: { id: 'local', name: 'local', url: url.origin },
    deploy: { context: 'dev', id: 'local', published: false },
    account: { id: 'local' },
    server: { region: 'local' },
    requestId: requestId || (event.requestContext && event.requestContext.requestId) || '',
    url,
    json: (value, init) => Response.json(value, init),
    log: (...args) => console.log(...args),
    waitUntil: (promise) => pending.push(Promise.resolve(promise).catch((e) => console.error(e))),
  };
  const response = await handler(request, context);
  const multiValueHeaders = {};
  const add = (name, value) => (multiValueHeaders[name] ||= []).push(value);
  for (const c of cookies.outgoing) add('set-cookie', c);
  if (response === undefined) {
    return { statusCode: 204, multiValueHeaders, body: '', isBase64Encoded: false };
  }
  if (!(response instanceof Response)) {
    const err = new Error("Function returned an unsupported value. Accepted types are 'Response' or 'undefined'");
    err.name = 'NetlifyUserError';
    throw err;
  }
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') add(name, value);
  });
  for (const c of response.headers.getSetCookie ? response.headers.getSetCookie() : []) add('set-cookie', c);
  const body = Buffer.from(await response.arrayBuffer()).toString('base64');
  return { statusCode: response.status, multiValueHeaders, body, isBase64Encoded: true };
}
