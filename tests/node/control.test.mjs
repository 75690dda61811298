// The fakes from another language: a test that any team can copy. It runs
// `userapis serve -json` (built by `make test-node`), reads each fake's
// URLs and credentials, and drives the control API (api/control.yaml) with
// nothing but Node's built-in test runner and fetch: a 503 with
// Retry-After injected and seen, a reset to the seed, a Homebox password
// reset through the outbox, the clock moved past a token's expiry.
//
//   node --test tests/node/   (USERAPIS_BIN: the userapis binary, default build/userapis)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const bin = process.env.USERAPIS_BIN ?? 'build/userapis';
let serve;
const fakes = {};

// Waits for the four JSON lines of `serve -json`, with a deadline; on
// failure says what the process printed.
before(async () => {
  serve = spawn(bin, ['serve', '-json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  serve.stderr.on('data', (d) => { stderr += d; });
  const lines = createInterface({ input: serve.stdout });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve -json gave ${Object.keys(fakes).length} of 4 fakes in 60 s; stderr: ${stderr}`)), 60_000);
    serve.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code}: ${stderr}`)); });
    lines.on('line', (line) => {
      const f = JSON.parse(line);
      fakes[f.service] = f;
      if (Object.keys(fakes).length === 4) { clearTimeout(timer); resolve(); }
    });
  });
});

after(() => { serve?.kill(); });

async function call(method, url, { body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

const basic = (user, pass) => ({ Authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64') });

test('every fake has a control API that describes its seed', async () => {
  for (const name of ['kipu', 'harbor', 'homebox', 'vectara']) {
    const f = fakes[name];
    assert.ok(f.control_url, `${name}: serve -json has no control_url: ${JSON.stringify(f)}`);
    const d = await call('GET', f.control_url);
    assert.equal(d.status, 200, `${name}: describeFake answered ${d.status} ${d.text}`);
    assert.equal(d.json.service, name);
    assert.equal(d.json.url, f.url);
    assert.ok(d.json.users.length > 0, `${name}: no seeded users listed`);
  }
  const v = await call('GET', fakes.vectara.control_url);
  assert.ok(v.json.objects.corpora.includes('my-corpus'), `vectara corpora: ${JSON.stringify(v.json.objects)}`);
});

test('a queued 503 with Retry-After is answered once, then the fake recovers', async () => {
  const h = fakes.harbor;
  const q = await call('POST', `${h.control_url}/faults`, { body: { operation: 'getCurrentUserInfo', status: 503, retry_after: '7' } });
  assert.equal(q.status, 204, q.text);
  const auth = basic(h.credentials.admin_username, h.credentials.admin_password);
  const first = await call('GET', `${h.server_url}/users/current`, { headers: auth });
  assert.equal(first.status, 503, `the fault: ${first.status} ${first.text}`);
  assert.equal(first.headers.get('retry-after'), '7');
  const second = await call('GET', `${h.server_url}/users/current`, { headers: auth });
  assert.equal(second.status, 200, `after the fault: ${second.status} ${second.text}`);
  assert.equal(second.json.username, h.credentials.admin_username);
});

test('reset puts the fake back to its seed', async () => {
  const h = fakes.harbor;
  const auth = basic(h.credentials.admin_username, h.credentials.admin_password);
  const made = await call('POST', `${h.server_url}/users`, {
    headers: auth, body: { username: 'node-user', email: 'node@example.com', realname: 'Node', password: 'Passw0rdNode' },
  });
  assert.equal(made.status, 201, made.text);
  const before = await call('GET', `${h.server_url}/users?q=username%3Dnode-user`, { headers: auth });
  assert.equal(before.json.length, 1, `the new user is listed: ${before.text}`);
  assert.equal((await call('POST', `${h.control_url}/reset`)).status, 204);
  const afterReset = await call('GET', `${h.server_url}/users?q=username%3Dnode-user`, { headers: auth });
  assert.deepEqual(afterReset.json, [], `after the reset: ${afterReset.text}`);
});

test('a Homebox password reset, with the token from the outbox', async () => {
  const hb = fakes.homebox;
  const { email, password } = hb.credentials;
  const forgot = await call('POST', `${hb.server_url}/v1/users/forgot-password`, { body: { email } });
  assert.equal(forgot.status, 204, forgot.text);
  const outbox = await call('GET', `${hb.control_url}/outbox`);
  const mail = outbox.json.findLast((m) => m.kind === 'password_reset' && m.to === email);
  assert.ok(mail, `no reset token in the outbox: ${outbox.text}`);
  const reset = await call('POST', `${hb.server_url}/v1/users/reset-password`, { body: { token: mail.value, password: 'node-new-password' } });
  assert.equal(reset.status, 204, reset.text);
  const login = await call('POST', `${hb.server_url}/v1/users/login`, { body: { username: email, password: 'node-new-password' } });
  assert.equal(login.status, 200, `login with the new password: ${login.text}`);
  const old = await call('POST', `${hb.server_url}/v1/users/login`, { body: { username: email, password } });
  assert.equal(old.status, 401, 'the old password no longer works');
  assert.equal((await call('POST', `${hb.control_url}/reset`)).status, 204);
  const again = await call('POST', `${hb.server_url}/v1/users/login`, { body: { username: email, password } });
  assert.equal(again.status, 200, `after a reset the seed password works again: ${again.text}`);
});

test('the clock moved past a session token expiry gives 401', async () => {
  const hb = fakes.homebox;
  const login = await call('POST', `${hb.server_url}/v1/users/login`, { body: { username: hb.credentials.email, password: hb.credentials.password } });
  assert.equal(login.status, 200, login.text);
  const auth = { Authorization: login.json.token };
  assert.equal((await call('GET', `${hb.server_url}/v1/users/self`, { headers: auth })).status, 200);
  const moved = await call('POST', `${hb.control_url}/clock/advance`, { body: { seconds: 8 * 24 * 3600 } });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.offset_seconds, 8 * 24 * 3600);
  const expired = await call('GET', `${hb.server_url}/v1/users/self`, { headers: auth });
  assert.equal(expired.status, 401, `a 7-day token 8 days later: ${expired.status} ${expired.text}`);
  assert.equal((await call('POST', `${hb.control_url}/reset`)).status, 204);
  const clock = await call('GET', `${hb.control_url}/clock`);
  assert.equal(clock.json.offset_seconds, 0, 'a reset brings the clock back');
});

test('refused control requests say why', async () => {
  const k = fakes.kipu;
  const bad = await call('POST', `${k.control_url}/faults`, { body: { operation: 'getCurrentUser' } });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.json.error, /status, drop or latency_ms/);
  const kind = await call('POST', `${k.control_url}/objects/robot`, { body: {} });
  assert.equal(kind.status, 404, kind.text);
  const mode = await call('PUT', `${k.control_url}/auth-mode`, { body: { mode: 'oidc_auth' } });
  assert.equal(mode.status, 404, `only Harbor has auth modes: ${mode.text}`);
  for (const name of ['kipu', 'harbor', 'homebox', 'vectara']) {
    const v = await call('GET', `${fakes[name].control_url}/violations`);
    assert.deepEqual(v.json, [], `${name}: the fake broke its document: ${v.text}`);
  }
});
