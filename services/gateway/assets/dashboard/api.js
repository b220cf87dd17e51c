// Talking to the gateway: sign-in and its short-lived access token (kept in memory; the
// refresh token is an HttpOnly cookie the page never sees), GraphQL by registered hash,
// and subscriptions over graphql-transport-ws.

let access = null;
let refreshTimer = null;
let operations = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(code, message, field) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

async function authPost(path, body) {
  const resp = await fetch('/auth/v1/' + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body || {}),
  });
  if (resp.status === 204) return null;
  const json = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const e = (json.errors && json.errors[0]) || {};
    const ext = e.extensions || {};
    throw new ApiError(ext.code || 'HTTP_' + resp.status, e.message || '请求失败', ext.field);
  }
  return json;
}

function keep(answer) {
  access = answer.accessToken;
  clearTimeout(refreshTimer);
  const ms = Math.max(30, answer.expiresIn - 60) * 1000;
  refreshTimer = setTimeout(() => refresh().catch(() => signedOut()), ms);
  return answer.person;
}

function signedOut() {
  access = null;
  clearTimeout(refreshTimer);
  for (const l of listeners) l();
}

/** Calls `f` when the session ends (refresh refused). */
export function onSignedOut(f) {
  listeners.add(f);
}

export async function signIn(account, password) {
  return keep(await authPost('login', { account, password }));
}

export async function changePassword(account, password, newPassword) {
  return keep(await authPost('password', { account, password, newPassword }));
}

/** A fresh access token from the session cookie; throws SESSION_ENDED without one. */
export async function refresh() {
  return keep(await authPost('refresh', {}));
}

export async function signOut() {
  try {
    await authPost('logout', {});
  } finally {
    signedOut();
  }
}

export function token() {
  return access;
}

async function registered() {
  if (!operations) {
    const resp = await fetch('/app/operations.json');
    operations = await resp.json();
  }
  return operations;
}

function persisted(ops, name, variables) {
  const hash = ops[name];
  if (!hash) throw new ApiError('CLIENT', '未登记的操作：' + name);
  return {
    operationName: name,
    variables: variables || {},
    extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
  };
}

/** Runs a registered operation; refreshes the token once when it was refused. */
export async function gql(name, variables, retried) {
  const ops = await registered();
  const resp = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer ' + (access || ''),
    },
    body: JSON.stringify(persisted(ops, name, variables)),
  });
  const json = await resp.json().catch(() => ({}));
  const err = json.errors && json.errors[0];
  if (err) {
    const code = (err.extensions || {}).code;
    if (code === 'UNAUTHENTICATED' && !retried) {
      await refresh().catch(() => { signedOut(); throw new ApiError(code, err.message); });
      return gql(name, variables, true);
    }
    if (!json.data) throw new ApiError(code, err.message, (err.extensions || {}).field);
  }
  return json.data;
}

/** Subscribes to a registered subscription; reconnects (with a fresh token) on close.
 *  Returns a function that stops it. */
export function subscribe(name, variables, onNext) {
  let socket = null;
  let stopped = false;
  let wait = 1000;
  async function open() {
    const ops = await registered();
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';
    socket = new WebSocket(url, 'graphql-transport-ws');
    socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: { token: access } }));
    socket.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === 'connection_ack') {
        wait = 1000;
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: persisted(ops, name, variables) }));
      } else if (msg.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (msg.type === 'next' && msg.payload && msg.payload.data) {
        onNext(msg.payload.data);
      }
    };
    socket.onclose = () => {
      if (stopped) return;
      setTimeout(() => refresh().catch(() => {}).finally(() => { if (!stopped) open(); }), wait);
      wait = Math.min(wait * 2, 30000);
    };
  }
  open();
  return () => {
    stopped = true;
    if (socket) socket.close();
  };
}
