// A small Lambda service for the local runs: the Invoke API that the engine's SDK calls
// (AWS_ENDPOINT_URL_LAMBDA), in front of the already built function binaries running as real
// Lambda runtimes against a Runtime API served here.
//
// - Invoke: POST /2015-03-31/functions/<name or ARN>/invocations. Success → 200 and the
//   function's JSON; a function error → 200 with `X-Amz-Function-Error: Unhandled` and
//   `{"errorType","errorMessage"}` (aws-local-stepfunctions turns errorType into the error name
//   that Retry and Catch match); an unknown function → 404 ResourceNotFoundException.
// - Each instance is one process of `<target>/debug/<binary>` started with
//   AWS_LAMBDA_RUNTIME_API pointing at its own Runtime API (the 2018-06-01 protocol that the
//   `lambda_runtime` crate polls: invocation/next, invocation/<id>/response,
//   invocation/<id>/error, init/error). Instances stay warm; when every instance of a function
//   is busy another is started, up to `maxInstances`, beyond which invocations wait.
// - Lambda's limits: the function's timeout (from infra/template.yaml) kills the instance and
//   fails the invocation with `Sandbox.Timedout`; init must finish in 10 s; a request over
//   6,291,456 bytes is refused (413 RequestEntityTooLargeException) and a response over
//   6,291,556 bytes fails with `Function.ResponseSizeTooLarge`; a runtime that exits fails its
//   invocation with `Runtime.ExitError`.
// - Each function's stdout and stderr, with START/END/REPORT lines, go to <logDir>/<name>.log.

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { openSync, closeSync, writeSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

export const REQUEST_LIMIT_BYTES = 6 * 1024 * 1024; // 6,291,456: Invoke refuses larger requests
export const RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024 + 100; // 6,291,556: as the service counts a response
export const INIT_LIMIT_MS = 10_000;
const DEFAULT_TIMEOUT_SECONDS = 30;
const DEFAULT_MEMORY_MB = 128;

/**
 * Timeout and memory of each function that infra/template.yaml builds (by binary name): the
 * Globals, overridden by a function's own `Timeout:`/`MemorySize:`.
 */
export function functionSettings(templateFile) {
  const lines = readFileSync(templateFile, 'utf8').split('\n');
  const number = (line, key) => {
    const match = line.match(new RegExp(`^\\s+${key}:\\s*(\\d+)\\s*(#.*)?$`));
    return match ? Number(match[1]) : undefined;
  };
  const defaults = { timeoutSeconds: DEFAULT_TIMEOUT_SECONDS, memoryMB: DEFAULT_MEMORY_MB };
  const settings = {};
  let section = null;
  let resource = null;
  for (const line of lines) {
    if (/^\S/.test(line)) { section = line.replace(/:.*/, ''); resource = null; continue; }
    if (section === 'Globals') {
      defaults.timeoutSeconds = number(line, 'Timeout') ?? defaults.timeoutSeconds;
      defaults.memoryMB = number(line, 'MemorySize') ?? defaults.memoryMB;
    } else if (section === 'Resources') {
      if (/^ {2}\S/.test(line)) { resource = {}; continue; }
      if (!resource) continue;
      const binary = line.match(/^\s+Binary:\s*([\w-]+)\s*$/);
      if (binary) { resource.binary = binary[1]; settings[binary[1]] = resource; }
      if (/^ {6}Timeout:/.test(line)) resource.timeoutSeconds = number(line, 'Timeout');
      if (/^ {6}MemorySize:/.test(line)) resource.memoryMB = number(line, 'MemorySize');
    }
  }
  return Object.fromEntries(Object.entries(settings).map(([name, s]) => [name, {
    timeoutSeconds: s.timeoutSeconds ?? defaults.timeoutSeconds,
    memoryMB: s.memoryMB ?? defaults.memoryMB,
  }]));
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

function send(response, status, body = '', headers = {}) {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  response.end(payload);
}

/** The function's error as Invoke returns it: `{"errorType","errorMessage"}` JSON. */
function errorBody(raw, fallbackType) {
  try {
    const parsed = JSON.parse(raw.toString('utf8'));
    if (parsed && typeof parsed === 'object' && typeof parsed.errorType === 'string') return parsed;
  } catch { /* not JSON: wrapped below */ }
  return { errorType: fallbackType || 'Runtime.Unknown', errorMessage: raw.toString('utf8') };
}

/** One execution environment: a runtime process and the Runtime API it polls. */
class Instance {
  constructor(fn, id) {
    this.fn = fn;
    this.id = id;
    this.state = 'init'; // init → idle ⇄ busy → dead
    this.poll = null; // the runtime's pending GET invocation/next
    this.current = null; // the invocation it is running
    this.retire = false; // stop after the current invocation (settings changed)
    // Settles when the runtime first asks for an event (its init is done), or fails.
    this.ready = new Promise((resolve, reject) => { this.readyResolve = resolve; this.readyReject = reject; });
    this.ready.catch(() => {});
  }

  async start() {
    const { fn } = this;
    this.server = createServer((req, res) => this.handle(req, res).catch((err) => send(res, 500, { errorMessage: err.message, errorType: 'ServiceException' })));
    this.server.keepAliveTimeout = 0;
    const port = await listen(this.server);
    const env = {
      PATH: process.env.PATH,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      AWS_DEFAULT_REGION: fn.emulator.region,
      AWS_REGION: fn.emulator.region,
      ...fn.env,
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMB),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: 'AWS_Lambda_provided.al2023',
      LAMBDA_TASK_ROOT: fn.emulator.root,
      _HANDLER: 'bootstrap',
    };
    this.startedAt = Date.now();
    this.child = spawn(fn.binary, [], { cwd: fn.emulator.root, env, stdio: ['ignore', fn.log, fn.log] });
    this.child.on('error', (err) => this.died({ errorType: 'Runtime.InvalidEntrypoint', errorMessage: `could not start ${fn.binary}: ${err.message}` }));
    this.child.on('exit', (code, signal) => this.died(null, { exit: signal ? `signal: ${signal}` : `exit status ${code}` }));
    this.initTimer = setTimeout(() => {
      if (this.state !== 'init') return;
      this.kill();
      this.died({ errorType: 'Sandbox.Timedout', errorMessage: `Init timed out after ${(INIT_LIMIT_MS / 1000).toFixed(2)} seconds` });
    }, INIT_LIMIT_MS);
  }

  async handle(req, res) {
    const url = new URL(req.url, 'http://runtime');
    const body = await readBody(req);
    const path = url.pathname;
    if (req.method === 'GET' && path === '/2018-06-01/runtime/invocation/next') {
      if (this.state === 'dead') return send(res, 410, { errorMessage: 'instance stopped', errorType: 'Runtime.Stopped' });
      if (this.current) {
        // A runtime that polls again without answering: the invocation ends with no result.
        this.finish({ error: { errorType: 'Runtime.NoResponse', errorMessage: 'the runtime asked for the next event without answering this one' } });
      }
      if (this.state === 'init') {
        this.state = 'idle';
        clearTimeout(this.initTimer);
        this.fn.log_(`INIT_REPORT Init Duration: ${Date.now() - this.startedAt} ms (instance ${this.id})`);
        this.readyResolve();
      }
      this.poll = res;
      res.on('close', () => { if (this.poll === res) this.poll = null; });
      this.fn.dispatch();
      return undefined;
    }
    const invocation = path.match(/^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/);
    if (req.method === 'POST' && invocation) {
      const [, requestId, kind] = invocation;
      if (!this.current || this.current.requestId !== decodeURIComponent(requestId)) {
        return send(res, 400, { errorMessage: `unknown request id ${requestId}`, errorType: 'InvalidRequestID' });
      }
      send(res, 202, { status: 'OK' });
      if (kind === 'error') {
        this.finish({ error: errorBody(body, req.headers['lambda-runtime-function-error-type']) });
      } else if (body.length > RESPONSE_LIMIT_BYTES) {
        this.finish({ error: { errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size (${body.length} bytes) exceeded maximum allowed payload size (${RESPONSE_LIMIT_BYTES} bytes).` } });
      } else {
        this.finish({ payload: body });
      }
      return undefined;
    }
    if (req.method === 'POST' && path === '/2018-06-01/runtime/init/error') {
      send(res, 202, { status: 'OK' });
      this.kill();
      this.died(errorBody(body, req.headers['lambda-runtime-function-error-type'] ?? 'Runtime.InitError'));
      return undefined;
    }
    return send(res, 404, { errorMessage: `no such Runtime API route: ${req.method} ${path}`, errorType: 'NotFound' });
  }

  /** Hands an invocation to the runtime's pending poll. */
  deliver(invocation) {
    const { fn } = this;
    this.state = 'busy';
    this.current = invocation;
    const poll = this.poll;
    this.poll = null;
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    invocation.startedAt = Date.now();
    fn.log_(`START RequestId: ${invocation.requestId} Version: $LATEST`);
    poll.writeHead(200, {
      'content-type': 'application/json',
      'content-length': invocation.payload.length,
      'lambda-runtime-aws-request-id': invocation.requestId,
      'lambda-runtime-deadline-ms': String(deadline),
      'lambda-runtime-invoked-function-arn': fn.arn,
      'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Parent=${randomUUID().replaceAll('-', '').slice(0, 16)};Sampled=0`,
    });
    poll.end(invocation.payload);
    this.timer = setTimeout(() => {
      if (this.current !== invocation) return;
      this.kill();
      this.died({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${invocation.requestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds` });
    }, fn.timeoutSeconds * 1000);
  }

  finish(result) {
    const invocation = this.current;
    if (!invocation) return;
    clearTimeout(this.timer);
    this.current = null;
    const duration = Date.now() - invocation.startedAt;
    this.fn.usage.push({ durationMs: duration, memoryMB: this.fn.memoryMB });
    this.fn.log_(`END RequestId: ${invocation.requestId}`);
    this.fn.log_(`REPORT RequestId: ${invocation.requestId}\tDuration: ${duration} ms\tMemory Size: ${this.fn.memoryMB} MB${result.error ? `\tStatus: error\tError Type: ${result.error.errorType}` : ''}`);
    invocation.resolve(result);
    if (this.state !== 'busy') return;
    this.state = 'idle';
    if (this.retire) this.stop();
    else this.fn.dispatch();
  }

  /**
   * The process is gone, or must go: its invocation fails with `error` (by default the
   * runtime's exit, as Lambda reports it) and the instance is forgotten.
   */
  died(error, { exit } = {}) {
    if (this.state === 'dead') return;
    const wasInit = this.state === 'init';
    this.state = 'dead';
    clearTimeout(this.initTimer);
    const failure = (requestId) => error ?? { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${exit}` };
    if (this.current) this.finish({ error: failure(this.current.requestId) });
    if (wasInit) {
      const reason = error ?? { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${exit}` };
      this.readyReject(new Error(`${this.fn.name}: ${reason.errorType}: ${reason.errorMessage}; see ${this.fn.logFile}`));
      // The invocation that waited for this instance fails the way Lambda fails a broken init.
      if (!this.retire) this.fn.initFailed(reason);
    }
    this.poll?.destroy();
    this.poll = null;
    this.server?.close();
    this.server?.closeAllConnections?.();
    this.kill();
    this.fn.forget(this);
  }

  kill() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      try { this.child.kill('SIGKILL'); } catch { /* gone */ }
    }
  }

  stop() {
    this.retire = true;
    if (this.current) return this.exited();
    this.died({ errorType: 'Runtime.Stopped', errorMessage: 'the instance was stopped' });
    return this.exited();
  }

  exited() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

/** One function: its settings, its instances and the invocations waiting for one. */
class LambdaFunction {
  constructor(emulator, name, { binary, timeoutSeconds, memoryMB, env }) {
    this.emulator = emulator;
    this.name = name;
    this.binary = binary;
    this.timeoutSeconds = timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    this.memoryMB = memoryMB ?? DEFAULT_MEMORY_MB;
    this.env = env ?? {};
    this.arn = `arn:aws:lambda:${emulator.region}:${emulator.account}:function:${name}`;
    this.instances = new Set();
    this.waiting = [];
    /** Every finished invocation's duration and memory size, as Lambda bills them. */
    this.usage = [];
    this.nextId = 1;
    this.logFile = join(emulator.logDir, `${name}.log`);
    this.log = openSync(this.logFile, 'a');
  }

  log_(line) {
    writeSync(this.log, `${line}\n`);
  }

  startInstance() {
    const instance = new Instance(this, this.nextId);
    this.nextId += 1;
    this.instances.add(instance);
    instance.start().catch((err) => instance.died({ errorType: 'Runtime.InvalidEntrypoint', errorMessage: err.message }));
    return instance;
  }

  /** Hands waiting invocations to idle instances; starts instances when none is free. */
  dispatch() {
    while (this.waiting.length > 0) {
      const idle = [...this.instances].find((i) => i.state === 'idle' && i.poll && !i.retire);
      if (idle) {
        idle.deliver(this.waiting.shift());
        continue;
      }
      // Instances starting, or between a response and their next poll, will take one soon.
      const soon = [...this.instances].filter((i) => !i.retire && (i.state === 'init' || (i.state === 'idle' && !i.poll))).length;
      const usable = [...this.instances].filter((i) => !i.retire && i.state !== 'dead').length;
      if (soon < this.waiting.length && usable < this.emulator.maxInstances) {
        this.startInstance();
        continue;
      }
      break;
    }
  }

  /** Runs one invocation: `{ payload }` or `{ error: { errorType, errorMessage } }`. */
  invoke(payload) {
    return new Promise((resolve) => {
      this.waiting.push({ requestId: randomUUID(), payload, resolve });
      this.dispatch();
    });
  }

  /** An instance that failed its init takes the oldest waiting invocation down with it. */
  initFailed(error) {
    const waiting = this.waiting.shift();
    if (waiting) waiting.resolve({ error });
    this.dispatch();
  }

  forget(instance) {
    this.instances.delete(instance);
    if (this.waiting.length > 0) setImmediate(() => this.dispatch());
  }

  /** Starts `count` instances (less those already warm) and waits until each polls. */
  async warm(count = 1) {
    const missing = count - [...this.instances].filter((i) => !i.retire && i.state !== 'dead').length;
    for (let n = 0; n < missing; n += 1) this.startInstance();
    await Promise.all([...this.instances].filter((i) => !i.retire).map((i) => i.ready));
  }

  async stop() {
    await Promise.all([...this.instances].map((i) => i.stop()));
  }

  close() {
    closeSync(this.log);
  }
}

/**
 * The Lambda service for a set of functions:
 * `{ 'place-call': { binary, timeoutSeconds, memoryMB, env } }`.
 */
export class LambdaEmulator {
  constructor({ functions, logDir, root, region = 'ap-northeast-1', account = '123456789012', maxInstances = 10 }) {
    this.logDir = logDir;
    this.root = root;
    this.region = region;
    this.account = account;
    this.maxInstances = maxInstances;
    this.functions = new Map();
    for (const [name, settings] of Object.entries(functions)) {
      if (!existsSync(settings.binary)) throw new Error(`${name}: ${settings.binary} is not built; run tests/build.sh`);
      this.functions.set(name, new LambdaFunction(this, name, settings));
    }
  }

  async start() {
    this.server = createServer((req, res) => this.handle(req, res).catch((err) => send(res, 500, { Type: 'Service', Message: err.message }, { 'x-amzn-errortype': 'ServiceException' })));
    const port = await listen(this.server);
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  /** New settings for every function: the instances running the old ones are replaced. */
  async configure(env) {
    for (const fn of this.functions.values()) fn.env = env;
    await Promise.all([...this.functions.values()].map((fn) => fn.stop()));
  }

  /** Each function's finished invocations since the last call (see LambdaFunction#usage). */
  takeUsage() {
    return Object.fromEntries([...this.functions.values()].map((fn) => [fn.name, fn.usage.splice(0)]));
  }

  /** One warm instance of each function, so that no invocation pays for a start. */
  async warm(count = 1) {
    await Promise.all([...this.functions.values()].map((fn) => fn.warm(count)));
  }

  async handle(req, res) {
    const url = new URL(req.url, 'http://lambda');
    const match = url.pathname.match(/^\/2015-03-31\/functions\/([^/]+)\/invocations$/);
    if (req.method !== 'POST' || !match) {
      return send(res, 404, { Type: 'User', Message: `no such Lambda API route: ${req.method} ${url.pathname}` }, { 'x-amzn-errortype': 'UnknownOperationException' });
    }
    const requested = decodeURIComponent(match[1]);
    // A name, `name:qualifier`, or a function ARN.
    const name = requested.startsWith('arn:') ? requested.split(':')[6] : requested.split(':')[0];
    const fn = this.functions.get(name);
    const body = await readBody(req);
    if (!fn) {
      return send(res, 404, { Type: 'User', Message: `Function not found: arn:aws:lambda:${this.region}:${this.account}:function:${name}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
    }
    if (body.length > REQUEST_LIMIT_BYTES) {
      return send(res, 413, { Type: 'User', Message: `Request must be smaller than ${REQUEST_LIMIT_BYTES} bytes for the InvokeFunction operation` }, { 'x-amzn-errortype': 'RequestEntityTooLargeException' });
    }
    const payload = body.length === 0 ? Buffer.from('{}') : body;
    try {
      JSON.parse(payload.toString('utf8'));
    } catch {
      return send(res, 400, { Type: 'User', Message: 'Could not parse request body into json: the payload is not valid JSON' }, { 'x-amzn-errortype': 'InvalidRequestContentException' });
    }
    const type = req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (type === 'DryRun') return send(res, 204);
    if (type === 'Event') {
      fn.invoke(payload);
      return send(res, 202);
    }
    const result = await fn.invoke(payload);
    const headers = { 'x-amz-executed-version': '$LATEST' };
    if (result.error) return send(res, 200, result.error, { ...headers, 'x-amz-function-error': 'Unhandled' });
    return send(res, 200, result.payload, headers);
  }

  async stop() {
    this.server?.close();
    this.server?.closeAllConnections?.();
    await Promise.all([...this.functions.values()].map((fn) => fn.stop()));
    for (const fn of this.functions.values()) fn.close();
  }
}
