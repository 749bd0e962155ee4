// Runs the real escalation state machine on this machine.
//
// - the ASL file from statemachine/, executed by aws-local-stepfunctions; its Lambda tasks
//   reach the real function binaries through the Lambda Invoke API that `cargo lambda watch`
//   serves (AWS_ENDPOINT_URL_LAMBDA), so payloads, error types, Retry and Catch are real;
// - rosters served by a real S3-protocol server (tests/src/bin/s3-server.rs) seeded from
//   samplejson/ and tests/local/fixtures/;
// - calls answered by the Amazon Connect simulator (tests/src/bin/connect-sim.rs), whose
//   callees each test scripts.
// Only the two service integrations the local engine cannot run are handled here: SNS
// publish (recorded) and StartExecution (a child execution, with Step Functions' rule that
// an execution name is used once).

import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
export const BUCKET = 'rosters';
export const FALLBACK = '+815099990000';
const REGION = 'ap-northeast-1';
const ACCOUNT = '123456789012';
const MACHINE_NAME = 'lambda-connect-escalation';
const MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${MACHINE_NAME}`;
export const OUTCOME_TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:lambda-connect-outcome`;
const FUNCTIONS = {
  ResolveRosterFunctionArn: 'resolve-roster',
  PlaceCallFunctionArn: 'place-call',
  CheckContactFunctionArn: 'check-contact',
  NextTargetFunctionArn: 'next-target',
};
// Credentials the local servers accept; nothing here reaches AWS.
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST', AWS_SECRET_ACCESS_KEY: 'local-test-secret' };

/** Settings every local run starts from; a run may override any of them. */
export const DEFAULT_ENV = {
  PHONE_NUMBER_BUCKET: BUCKET,
  PHONE_NUMBER_JSON_FILE: 'phoneNumber.json',
  CONNECT_INSTANCE_ID: '11111111-2222-3333-4444-555555555555',
  CONNECT_CONTACT_FLOW_ID: '66666666-7777-8888-9999-000000000000',
  CONNECT_SOURCE_PHONE_NUMBER: '+815000000000',
  CONNECT_EXTRA_DESTINATION_PHONE_NUMBER: FALLBACK,
  CALL_REPEAT_COUNT: '1',
  CALL_REPEAT_GROUP: 'False',
  CALL_STATE_CHECK_INTERVAL_SECONDS: '8',
  CALL_POLL_INTERVAL_SECONDS: '1',
  RUST_LOG: 'info',
};

/**
 * The ASL with its ${...} placeholders filled as SAM would fill them, but with function names
 * instead of ARNs: `cargo lambda watch` serves functions by binary name (hence checkArn off).
 */
export function loadDefinition() {
  const text = readFileSync(join(ROOT, 'statemachine/escalation.asl.json'), 'utf8');
  const values = { ...FUNCTIONS, OutcomeTopicArn: OUTCOME_TOPIC_ARN };
  const filled = text.replace(/\$\{(\w+)\}/g, (whole, name) => {
    if (!(name in values)) throw new Error(`escalation.asl.json: no local value for placeholder ${whole}`);
    return values[name];
  });
  return JSON.parse(filled);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => { socket.end(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `command` in its own process group and resolves with the URL it prints. */
function startServer(command, args, logFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', openSync(logFile, 'a')] });
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${command} did not start in time; see ${logFile}`)), 60_000);
    child.on('error', (err) => { clearTimeout(timer); reject(new Error(`${command}: ${err.message}`)); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${command} exited with ${code}; see ${logFile}`)); });
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = seen.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, url: match[0] });
      }
    });
  });
}

function stopProcess(child) {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    try { process.kill(-child.pid, 'SIGTERM'); } catch { resolve(); }
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5_000).unref();
  });
}

/** The local services and the engine, started once and reused by every run. */
export class LocalEscalation {
  constructor() {
    this.logDir = mkdtempSync(join(tmpdir(), 'lambda-connect-local-'));
    this.env = null;
  }

  static async start(env = {}) {
    const local = new LocalEscalation();
    try {
      const bin = (name) => join(TARGET, 'debug', name);
      const s3 = await startServer(bin('s3-server'), ['--bucket', BUCKET, '--seed', 'samplejson', '--seed', 'tests/local/fixtures'], join(local.logDir, 's3.log'));
      local.s3 = s3;
      local.sim = await startServer(bin('connect-sim'), ['--clock', 'real'], join(local.logDir, 'connect-sim.log'));
      await local.configure(env);
    } catch (err) {
      await local.stop();
      throw err;
    }
    return local;
  }

  /** (Re)starts `cargo lambda watch` when the functions' settings change. */
  async configure(overrides = {}) {
    const env = {
      ...DEFAULT_ENV,
      ...CREDENTIALS,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_S3: this.s3.url,
      AWS_S3_FORCE_PATH_STYLE: 'true',
      AWS_ENDPOINT_URL_CONNECT: this.sim.url,
      ...overrides,
    };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    if (this.watch && JSON.stringify(env) === JSON.stringify(this.env)) return;
    await stopProcess(this.watch);
    const envFile = join(this.logDir, 'functions.env');
    writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    const port = await freePort();
    const log = openSync(join(this.logDir, 'functions.log'), 'a');
    this.watch = spawn('cargo', ['lambda', 'watch', '-A', '127.0.0.1', '-P', String(port), '--ignore-changes', '--concurrency', '4', '--env-file', envFile],
      { cwd: ROOT, detached: true, stdio: ['ignore', log, log] });
    this.lambdaUrl = `http://127.0.0.1:${port}`;
    this.env = env;
    const deadline = Date.now() + 120_000;
    while (!(await portOpen(port))) {
      if (this.watch.exitCode !== null) throw new Error(`cargo lambda watch exited; see ${join(this.logDir, 'functions.log')}`);
      if (Date.now() > deadline) throw new Error('cargo lambda watch did not start in time');
      await sleep(200);
    }
    // The first invocation of each function builds and starts it; do that before the engine,
    // whose task timeouts are the production ones, counts the time.
    for (const name of Object.values(FUNCTIONS)) await this.invoke(name, { warmUp: true });
  }

  /** Invokes a function through the Lambda Invoke API, as the engine does. */
  async invoke(name, payload) {
    const response = await fetch(`${this.lambdaUrl}/2015-03-31/functions/${name}/invocations`, {
      method: 'POST', body: JSON.stringify(payload), signal: AbortSignal.timeout(900_000),
    });
    return { status: response.status, body: await response.text() };
  }

  /** Scripts the callees: `{ "+81...": { behaviour: "acknowledges", afterSeconds: 2 } }`. */
  async script(callees) {
    await this.simPost('/_sim/reset');
    await this.simPost('/_sim/script', callees);
  }

  async simPost(path, body) {
    const response = await fetch(`${this.sim.url}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`connect-sim ${path}: ${response.status} ${await response.text()}`);
  }

  /** Every request the simulator received since the last script. */
  async requests() {
    return (await fetch(`${this.sim.url}/_sim/requests`)).json();
  }

  /**
   * Runs one execution to its end. `failStates` makes the named task states fail for good
   * (e.g. `{ CheckCalls: 'Lambda.Unknown' }`) to exercise the fail-safe path.
   */
  async run(input, { executionName = randomUUID(), failStates = {}, registry = new Set() } = {}) {
    process.env.AWS_ENDPOINT_URL_LAMBDA = this.lambdaUrl;
    process.env.AWS_REGION = REGION;
    Object.assign(process.env, CREDENTIALS);
    const published = [];
    const children = [];
    const events = [];
    const publish = async (message) => {
      published.push(message);
      return { MessageId: randomUUID() };
    };
    const startExecution = async ({ Name, Input }) => {
      const name = Name ?? randomUUID();
      if (registry.has(name)) {
        const error = new Error(`Execution already exists: '${name}'`);
        error.name = 'StepFunctions.ExecutionAlreadyExistsException';
        throw error;
      }
      registry.add(name);
      children.push(this.run(Input, { executionName: name, failStates, registry }).then((run) => ({ name, ...run })));
      return { ExecutionArn: `${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`, StartDate: new Date().toISOString() };
    };
    const failing = Object.fromEntries(Object.entries(failStates).map(([state, errorName]) => [state, async () => {
      const error = new Error(`${state} failed for good (injected by the local run)`);
      error.name = errorName;
      throw error;
    }]));
    const machine = new StateMachine(loadDefinition(), { validationOptions: { checkPaths: true, checkArn: false } });
    const startTime = new Date().toISOString();
    const execution = machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: {
          PublishOutcome: publish,
          ReportFailure: publish,
          StartEscalation: startExecution,
          StartEscalationUnnamed: startExecution,
          ...failing,
        },
        // Retries wait a few milliseconds instead of seconds; their count and order are unchanged.
        retryIntervalOverrides: Object.fromEntries(
          ['ResolveRoster', 'PlaceCall', 'CheckCalls', 'DecideNext', 'RingFallbackNumber', 'StartEscalation'].map((s) => [s, 10])),
      },
      context: {
        Execution: { Id: `${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${executionName}`, Name: executionName, Input: input, StartTime: startTime },
        StateMachine: { Id: MACHINE_ARN, Name: MACHINE_NAME },
      },
    });
    const collecting = (async () => {
      for await (const event of execution.eventLogs) events.push(event);
    })();
    let output = null;
    let error = null;
    try {
      output = await execution.result;
    } catch (err) {
      error = { name: err.name, message: err.message };
    }
    await collecting;
    // The engine throws a generic ExecutionError; the Fail state's own error is in the log.
    const failed = events.find((e) => e.type === 'ExecutionFailed' && e.index === undefined);
    if (error && failed) error = { name: failed.Error, message: failed.Cause };
    return { executionName, output, error, events, published, children: await Promise.all(children) };
  }

  async stop() {
    await Promise.all([stopProcess(this.watch), stopProcess(this.sim?.child), stopProcess(this.s3?.child)]);
  }
}

/** `+8190****5678`, as the functions mask numbers. */
export function mask(number) {
  if (number.length >= 10) return `${number.slice(0, 5)}****${number.slice(-4)}`;
  if (number.length >= 6) return `${number.slice(0, 2)}****${number.slice(-2)}`;
  return '****';
}

/** The top-level states the execution entered, in order. */
export function stateNames(events) {
  return events.filter((e) => e.type === 'StateEntered' && e.index === undefined).map((e) => e.state.name);
}

/**
 * The top-level states the execution went through, with repeats folded: a state entered
 * again at once becomes `State ×n`, and the polling loop `(WaitForAnswer → … → WhatNext) ×n`.
 */
export function statePath(events) {
  const names = stateNames(events);
  const folded = [];
  let i = 0;
  while (i < names.length) {
    let best = { length: 1, count: 1 };
    for (let length = 1; length <= 4; length += 1) {
      let count = 1;
      const unit = names.slice(i, i + length).join('|');
      while (names.slice(i + count * length, i + (count + 1) * length).join('|') === unit) count += 1;
      if (count > 1 && count * length > best.count * best.length) best = { length, count };
    }
    const unit = names.slice(i, i + best.length);
    const text = unit.length > 1 ? `(${unit.join(' → ')})` : unit[0];
    folded.push(best.count > 1 ? `${text} ×${best.count}` : text);
    i += best.length * best.count;
  }
  return folded.join(' → ');
}

/** A readable account of one run: the path, each attempt and what each call did, the outcome. */
export function timeline(run) {
  const lines = [];
  const { output, error } = run;
  lines.push(`execution ${run.executionName}`);
  lines.push(`  path: ${statePath(run.events)}`);
  if (output?.alert) {
    const topic = output.alert.topicName ?? '(no topic)';
    lines.push(`  alert: ${topic}${output.dryRun ? ' — DRY RUN, nobody is rung' : ''}; roster ${output.roster ?? '(none)'}; today ${output.today}`);
  }
  const placed = (output?.history?.[0]?.calls ?? []).map((c) => c.placedAt).sort();
  const start = placed[0];
  const offset = (iso) => (iso && start ? `+${((Date.parse(iso) - Date.parse(start)) / 1000).toFixed(1)}s` : '');
  for (const attempt of output?.history ?? []) {
    lines.push(`  attempt ${attempt.index + 1} (${attempt.group ?? 'fallback number'}): ${attempt.endedBecause}`);
    for (const call of attempt.calls) {
      const detail = call.detail ? ` (${call.detail})` : '';
      lines.push(`    ${offset(call.placedAt).padEnd(7)} ${mask(call.phoneNumber)}  ${call.status}${detail}${call.endedAt ? `, ended ${offset(call.endedAt)}` : ''}`);
    }
  }
  for (const problem of output?.problems ?? []) {
    lines.push(`  ${problem.severity}: ${problem.source}${problem.location ? `: ${problem.location}` : ''}: ${problem.message}`);
  }
  if (output?.outcome) lines.push(`  outcome: ${output.outcome.summary}`);
  if (error) lines.push(`  execution failed: ${error.name}: ${error.message}`);
  for (const message of run.published) lines.push(`  published to the outcome topic: ${message.Subject}`);
  for (const child of run.children) lines.push(...timeline(child).map((line) => `  ${line}`));
  return lines;
}
