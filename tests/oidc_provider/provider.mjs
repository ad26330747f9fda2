// An OpenID provider on loopback for the SSO tests: panva's certified oidc-provider.
//
// Started by tests/oidc_fixtures.py (`node provider.mjs`); prints {"port": N} once listening.
// Sign-in pages are the smallest the tests need (one "Account" field, consent given at once).
// Test-only hooks under /test/ let a test produce the bad cases with the real provider:
//   PUT  /test/accounts/<id>   the claims that account's tokens carry (JSON object)
//   PUT  /test/clients         the registered clients (JSON list); rebuilds the provider
//   POST /test/clock           {"offset_seconds": N}: the token endpoint's clock runs N seconds off
//   POST /test/rotate          new signing key (new kid); the old one is no longer published
//   POST /test/next-id-token   {"id_token": "..."}: the next token response carries this instead
//   POST /test/reset           all of the above back to the start
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const realNow = Date.now;
let offsetMs = 0; // applied while the token endpoint answers: tokens issued "in the past"
let tokenOffsetMs = 0;
Date.now = () => realNow() + offsetMs;

let accounts = {};
let clients = [];
let keys = [];
let nextIdToken = null;
let provider = null;
let issuer = '';

function newKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: crypto.randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

function build() {
  provider = new Provider(issuer, {
    clients,
    jwks: { keys },
    findAccount: async (ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, ...(accounts[id] || {}) }),
    }),
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'employee_id', 'groups'],
    },
    conformIdTokenClaims: false,
    cookies: { keys: ['allyship-test-provider-cookie-key'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: { AuthorizationCode: 60, IdToken: 300, AccessToken: 300, Session: 600, Interaction: 600, Grant: 600 },
  });
  provider.use(async (ctx, next) => {
    if (ctx.path === '/token') offsetMs = tokenOffsetMs;
    try {
      await next();
    } finally {
      offsetMs = 0;
    }
    if (ctx.path === '/token' && nextIdToken && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: nextIdToken };
      nextIdToken = null;
    }
  });
}

function reset() {
  accounts = {};
  tokenOffsetMs = 0;
  nextIdToken = null;
  keys = [newKey()];
  build();
}

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res, status, type, text) {
  res.writeHead(status, { 'content-type': type });
  res.end(text);
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function interaction(req, res, uid, path) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login' && req.method === 'GET') {
    const page = `<!doctype html><html lang="en"><head><title>Test provider sign-in</title></head>
<body><h1>Test provider</h1><form method="post" action="/interaction/${escape(uid)}/login">
<label for="account">Account</label> <input id="account" name="account" autofocus>
<button type="submit">Continue</button></form></body></html>`;
    return send(res, 200, 'text/html; charset=utf-8', page);
  }
  if (details.prompt.name === 'login' && path.endsWith('/login')) {
    const account = new URLSearchParams(await body(req)).get('account') || '';
    return provider.interactionFinished(req, res, { login: { accountId: account } }, {
      mergeWithLastSubmission: false,
    });
  }
  const { params, session } = details;
  const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, {
    mergeWithLastSubmission: true,
  });
}

async function hook(req, res, path) {
  const text = await body(req);
  const data = text ? JSON.parse(text) : {};
  if (path.startsWith('/test/accounts/')) {
    accounts[decodeURIComponent(path.slice('/test/accounts/'.length))] = data;
  } else if (path === '/test/clients') {
    clients = data;
    build();
  } else if (path === '/test/clock') {
    tokenOffsetMs = Number(data.offset_seconds || 0) * 1000;
  } else if (path === '/test/rotate') {
    keys = [newKey()];
    build();
  } else if (path === '/test/next-id-token') {
    nextIdToken = data.id_token;
  } else if (path === '/test/reset') {
    reset();
  } else {
    return send(res, 404, 'text/plain', 'no such hook');
  }
  return send(res, 200, 'application/json', JSON.stringify({ ok: true, kid: keys[0].kid }));
}

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  try {
    const match = path.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (match) return await interaction(req, res, match[1], path);
    if (path.startsWith('/test/') && req.method !== 'GET') return await hook(req, res, path);
    return provider.callback()(req, res);
  } catch (err) {
    return send(res, 400, 'text/plain', `provider test page: ${err.message}`);
  }
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  clients = JSON.parse(process.env.CLIENTS || '[]');
  reset();
  process.stdout.write(`${JSON.stringify({ port: server.address().port, issuer })}\n`);
});
