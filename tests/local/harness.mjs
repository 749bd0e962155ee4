// Runs the real escalation state machine on this machine.
//
// - the ASL file from statemachine/, executed by aws-local-stepfunctions; its Lambda tasks
//   reach the real function binaries, already built by tests/build.sh, through the Lambda
//   Invoke API that lambda.mjs serves (AWS_ENDPOINT_URL_LAMBDA), where they run as real
//   Lambda runtimes; so payloads, error types, timeouts, Retry and Catch are real;
// - rosters served by a real S3-protocol server (tests/src/bin/s3-server.rs) seeded from
//   samplejson/ and tests/local/fixtures/;
// - calls answered by the Amazon Connect simulator (tests/src/bin/connect-sim.rs), whose
//   callees each test scripts;
// - a DynamoDB-protocol server (moto's server, from PyPI) with the call ledger's table.
// Only the two service integrations the local engine cannot run are handled here: SNS
// publish (recorded) and StartExecution (a child execution, with Step Functions' rules for
// execution names). Step Functions' 256 KB limit on a state's input and output, which the
// engine does not enforce, is added here (States.DataLimitExceeded).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { LambdaEmulator, functionSettings } from './lambda.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
export const BUCKET = 'rosters';
export const FALLBACK = '+815099990000';
const REGION = 'ap-northeast-1';
const ACCOUNT = '123456789012';
const MACHINE_NAME = 'lambda-connect-escalation';
const MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${MACHINE_NAME}`;
export const OUTCOME_TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:lambda-connect-outcome`;
/** The ASL's function placeholders and the functions they name (as the template names them). */
const FUNCTIONS = {
  ResolveRosterFunctionArn: 'resolve-roster',
  PlaceCallFunctionArn: 'place-call',
  FailSafeCallFunctionArn: 'fail-safe-call',
  CheckContactFunctionArn: 'check-contact',
  NextTargetFunctionArn: 'next-target',
};
/** The binary of each function: the fail-safe call is place-call deployed a second time. */
const BINARIES = { 'fail-safe-call': 'place-call' };
// Credentials the local servers accept; nothing here reaches AWS.
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST', AWS_SECRET_ACCESS_KEY: 'local-test-secret' };
/** The call ledger's table, created in the local DynamoDB-protocol server at start. */
export const LEDGER_TABLE = 'lambda-connect-call-ledger';
/** The open incidents' table, created beside it. */
export const INCIDENT_TABLE = 'lambda-connect-incidents';
/** Step Functions refuses a state input or output larger than this (UTF-8 bytes of its JSON). */
export const STATE_DATA_LIMIT_BYTES = 262_144;

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
  CALL_LEDGER_TABLE: LEDGER_TABLE,
  INCIDENT_TABLE,
  RUST_LOG: 'info',
};

/** The workflow definition SAM deploys. */
export const DEFINITION = 'statemachine/escalation.asl.json';

/**
 * The ASL with its ${...} placeholders filled as SAM would fill them, but with function names
 * instead of ARNs (hence checkArn off); the local Lambda serves functions by binary name.
 * `file` (relative to the repository) is another definition, e.g. an earlier one whose
 * executions are still running when a deployment updates the functions.
 */
export function loadDefinition(file = DEFINITION) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const values = { ...FUNCTIONS, OutcomeTopicArn: OUTCOME_TOPIC_ARN };
  const filled = text.replace(/\$\{(\w+)\}/g, (whole, name) => {
    if (!(name in values)) throw new Error(`escalation.asl.json: no local value for placeholder ${whole}`);
    return values[name];
  });
  return JSON.parse(filled);
}

/**
 * Starts `command` in its own process group and resolves with the URL it prints (on stdout or
 * stderr); everything it prints goes to `logFile`.
 */
function startServer(command, args, logFile, { stdin = 'ignore', hint = '' } = {}) {
  return new Promise((resolve, reject) => {
    const log = openSync(logFile, 'a');
    const child = spawn(command, args, { cwd: ROOT, detached: true, stdio: [stdin, 'pipe', 'pipe'] });
    let seen = '';
    let done = false;
    const fail = (message) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      reject(new Error(`${message}; see ${logFile}${hint ? `\n${hint}` : ''}`));
    };
    const timer = setTimeout(() => fail(`${command} did not start in time`), 60_000);
    child.on('error', (err) => fail(`${command}: ${err.message}`));
    child.on('exit', (code) => fail(`${command} exited with ${code}`));
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        writeSync(log, chunk);
        if (done) return;
        seen += chunk;
        const match = seen.match(/http:\/\/127\.0\.0\.1:\d+/);
        if (match) {
          done = true;
          clearTimeout(timer);
          resolve({ child, url: match[0] });
        }
      });
    }
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

const MOTO_HINT = "The DynamoDB-protocol server is moto's: run tests/local/setup.sh, which installs it (python3 -m pip install 'moto[server]'), or see README.md.";

/**
 * moto's server on a free loopback port, one request at a time so every item write is atomic
 * as in DynamoDB (tests/moto_server.py). It ends when this process goes (its stdin closes), so
 * a crashed run leaves no server behind.
 */
async function startMoto(logFile) {
  return startServer('python3', [join(ROOT, 'tests', 'moto_server.py')], logFile, { stdin: 'pipe', hint: MOTO_HINT });
}

/** One DynamoDB API call (awsJson1.0); moto routes on the signature's credential scope. */
export async function dynamodb(url, operation, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.AWS_ACCESS_KEY_ID}/20260101/${REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const error = new Error(`DynamoDB ${operation}: ${response.status} ${json.message ?? json.Message ?? text}`);
    error.name = String(json.__type ?? 'DynamoDBError').split('#').pop();
    throw error;
  }
  return json;
}

/**
 * Creates the ledger and incident tables, and checks that conditional writes are enforced as
 * DynamoDB does.
 */
async function prepareTables(url) {
  for (const TableName of [LEDGER_TABLE, INCIDENT_TABLE]) {
    await dynamodb(url, 'CreateTable', {
      TableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  }
  const put = { TableName: LEDGER_TABLE, Item: { pk: { S: 'harness-check' } }, ConditionExpression: 'attribute_not_exists(pk)' };
  await dynamodb(url, 'PutItem', put);
  let refused = null;
  try {
    await dynamodb(url, 'PutItem', put);
  } catch (err) {
    refused = err.name;
  }
  await dynamodb(url, 'DeleteItem', { TableName: LEDGER_TABLE, Key: { pk: { S: 'harness-check' } } });
  if (refused !== 'ConditionalCheckFailedException') {
    throw new Error(`the local DynamoDB server accepted a second PutItem with attribute_not_exists(pk) (got ${refused ?? 'success'}); the ledger tests would prove nothing`);
  }
}

/** The top-level error Step Functions fails an execution with when a state's data is too large. */
function dataLimitExceeded(stateName, what, bytes) {
  const error = new Error(`The state/task '${stateName}' ${what === 'input' ? 'has an input' : 'returned a result'} of ${bytes} bytes, exceeding the maximum number of bytes service limit (${STATE_DATA_LIMIT_BYTES}).`);
  error.name = 'States.DataLimitExceeded';
  // Terminal, as in Step Functions: no Retry or Catch (not even States.ALL) sees it.
  error.isRetryable = false;
  error.isCatchable = false;
  return error;
}

function checkStateData(stateName, what, value) {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
  if (bytes > STATE_DATA_LIMIT_BYTES) throw dataLimitExceeded(stateName, what, bytes);
}

// aws-local-stepfunctions does not enforce the 256 KB limit. Every execution it runs (nested
// Map iterations too) goes through StateMachine#execute with its event logger, which records
// each state's input as it is entered and its output as it exits; a run that asks for the
// limit (`stateDataLimit` in its run options, inherited by nested executions) has those two
// checked there, before the next state starts.
const engineExecute = StateMachine.prototype.execute;
if (typeof engineExecute !== 'function') {
  throw new Error('aws-local-stepfunctions: StateMachine#execute is gone; update the 256 KB check in tests/local/harness.mjs');
}
StateMachine.prototype.execute = function execute(input, options, cleanupFn) {
  const logger = options?.eventLogger;
  if (options?.runOptions?.stateDataLimit && logger && !logger.stateDataChecked) {
    logger.stateDataChecked = true;
    const entered = logger.dispatchStateEnteredEvent;
    const exited = logger.dispatchStateExitedEvent;
    logger.dispatchStateEnteredEvent = function stateEntered(stateName, stateType, stateInput) {
      checkStateData(stateName, 'input', stateInput);
      return entered.call(this, stateName, stateType, stateInput);
    };
    logger.dispatchStateExitedEvent = function stateExited(stateName, stateType, stateInput, output) {
      checkStateData(stateName, 'output', output);
      return exited.call(this, stateName, stateType, stateInput, output);
    };
  }
  return engineExecute.call(this, input, options, cleanupFn);
};

/** Step Functions' execution names: 1 to 80 of A-Z a-z 0-9 - _. */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

function stepFunctionsError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
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
      const servers = [
        // e2e-denied-roster.json answers 403 AccessDenied, as a roster the functions' role may not read.
        startServer(bin('s3-server'), ['--bucket', BUCKET, '--seed', 'samplejson', '--seed', 'tests/local/fixtures', '--deny', 'e2e-denied-roster.json'], join(local.logDir, 's3.log'))
          .then((server) => { local.s3 = server; }),
        startServer(bin('connect-sim'), ['--clock', 'real'], join(local.logDir, 'connect-sim.log'))
          .then((server) => { local.sim = server; }),
        startMoto(join(local.logDir, 'dynamodb.log')).then(async (server) => {
          local.dynamodb = server;
          await prepareTables(server.url);
        }),
      ];
      // Wait for all three, so that none is left running when one fails.
      const failed = (await Promise.allSettled(servers)).find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const settings = functionSettings(join(ROOT, 'infra/template.yaml'));
      const functions = Object.fromEntries(Object.values(FUNCTIONS).map((name) => {
        const binary = BINARIES[name] ?? name;
        return [name, { binary: bin(binary), timeoutSeconds: settings[binary]?.timeoutSeconds, memoryMB: settings[binary]?.memoryMB }];
      }));
      local.lambda = await new LambdaEmulator({ functions, logDir: local.logDir, root: ROOT, region: REGION, account: ACCOUNT }).start();
      local.lambdaUrl = local.lambda.url;
      await local.configure(env);
    } catch (err) {
      await local.stop();
      throw err;
    }
    return local;
  }

  /**
   * Sets the functions' environment (DEFAULT_ENV and the local endpoints, with `overrides`;
   * an `undefined` value removes a setting). When it changes, the functions' instances are
   * replaced by fresh ones, started before this returns so that no invocation pays for it.
   */
  async configure(overrides = {}) {
    const env = {
      ...DEFAULT_ENV,
      ...CREDENTIALS,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_S3: this.s3.url,
      AWS_S3_FORCE_PATH_STYLE: 'true',
      AWS_ENDPOINT_URL_CONNECT: this.sim.url,
      AWS_ENDPOINT_URL_DYNAMODB: this.dynamodb.url,
      ...overrides,
    };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    if (this.env && JSON.stringify(env) === JSON.stringify(this.env)) return;
    await this.lambda.configure(env);
    this.env = env;
    await this.lambda.warm();
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

  /** Every item of the call ledger's table (DynamoDB JSON), in no particular order. */
  async ledger() {
    return this.scan(LEDGER_TABLE);
  }

  /** Every item of the incident table (DynamoDB JSON), in no particular order. */
  async incidents() {
    return this.scan(INCIDENT_TABLE);
  }

  /** The incident table's item `pk` (DynamoDB JSON), or undefined. */
  async incident(pk) {
    return (await dynamodb(this.dynamodb.url, 'GetItem', { TableName: INCIDENT_TABLE, Key: { pk: { S: pk } }, ConsistentRead: true })).Item;
  }

  /** Deletes every incident, so a scenario does not join one an earlier scenario left open. */
  async forgetIncidents() {
    for (const item of await this.incidents()) {
      await dynamodb(this.dynamodb.url, 'DeleteItem', { TableName: INCIDENT_TABLE, Key: { pk: item.pk } });
    }
  }

  /** Frees every phone's line (the call ledger's `line#` items), as no call is live between scenarios. */
  async forgetLines() {
    for (const item of await this.ledger()) {
      if (item.pk.S.startsWith('line#')) {
        await dynamodb(this.dynamodb.url, 'DeleteItem', { TableName: LEDGER_TABLE, Key: { pk: item.pk } });
      }
    }
  }

  async scan(TableName) {
    const items = [];
    let ExclusiveStartKey;
    do {
      const page = await dynamodb(this.dynamodb.url, 'Scan', { TableName, ExclusiveStartKey });
      items.push(...page.Items);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  /**
   * Runs one execution to its end. `failStates` makes the named task states fail for good
   * (e.g. `{ CheckCalls: 'Lambda.Unknown' }`) to exercise the fail-safe path. `registry`
   * (name → execution) holds the executions started so far, for StartExecution's name rules;
   * each run starts with an empty one unless given one. `definition` runs another workflow
   * definition than the deployed one (see loadDefinition). Each run starts with no incident
   * open and every phone's line free unless `keepIncidents` (runs that overlap, or build on
   * an earlier one's incident).
   * `waits` shortens named Wait states to the given milliseconds (a project's re-escalation
   * delay is minutes; the state still reads it, and the run records it).
   */
  async run(input, { executionName = randomUUID(), failStates = {}, registry = new Map(), definition = DEFINITION, keepIncidents = false, waits = {} } = {}) {
    if (!keepIncidents) {
      await this.forgetIncidents();
      await this.forgetLines();
    }
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
    // StartExecution as the API reference has it for a STANDARD machine: a name already used
    // by a RUNNING execution with the same input returns that execution and starts nothing;
    // with another input, or once that execution has closed, ExecutionAlreadyExists.
    const startExecution = async ({ Name, Input }) => {
      const name = Name ?? randomUUID();
      if (typeof name !== 'string' || !EXECUTION_NAME.test(name)) {
        throw stepFunctionsError('StepFunctions.InvalidNameException', `Invalid Name: '${name}' (1 to 80 of A-Z, a-z, 0-9, - and _)`);
      }
      const text = Input === undefined ? '{}' : typeof Input === 'string' ? Input : JSON.stringify(Input);
      let childInput;
      try {
        childInput = JSON.parse(text);
      } catch {
        throw stepFunctionsError('StepFunctions.InvalidExecutionInputException', `Invalid execution input: not JSON: ${text.slice(0, 100)}`);
      }
      const existing = registry.get(name);
      if (existing) {
        if (existing.status === 'RUNNING' && existing.input === text) {
          return { ExecutionArn: existing.arn, StartDate: existing.startDate };
        }
        throw stepFunctionsError('StepFunctions.ExecutionAlreadyExistsException', `Execution Already Exists: '${existing.arn}'`);
      }
      const execution = {
        input: text, status: 'RUNNING',
        arn: `${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`, startDate: new Date().toISOString(),
      };
      registry.set(name, execution);
      children.push(this.run(childInput, { executionName: name, failStates, registry, definition, keepIncidents: true, waits }).then((run) => {
        execution.status = run.error ? 'FAILED' : 'SUCCEEDED';
        return { name, ...run };
      }));
      return { ExecutionArn: execution.arn, StartDate: execution.startDate };
    };
    const failing = Object.fromEntries(Object.entries(failStates).map(([state, errorName]) => [state, async () => {
      const error = new Error(`${state} failed for good (injected by the local run)`);
      error.name = errorName;
      throw error;
    }]));
    const machine = new StateMachine(loadDefinition(definition), { validationOptions: { checkPaths: true, checkArn: false } });
    const startTime = new Date().toISOString();
    const execution = machine.run(input, {
      stateDataLimit: true,
      overrides: {
        taskResourceLocalHandlers: {
          PublishOutcome: publish,
          ReportFailure: publish,
          StartEscalation: startExecution,
          StartEscalationUnnamed: startExecution,
          ...failing,
        },
        waitTimeOverrides: waits,
        // Retries wait a few milliseconds instead of seconds; their count and order are unchanged.
        retryIntervalOverrides: Object.fromEntries(
          ['ResolveRoster', 'PlaceCall', 'CheckCalls', 'CheckStillAcknowledged', 'DecideNext', 'EndAttempt', 'EndEscalation', 'RingFallbackNumber', 'StartEscalation'].map((s) => [s, 10])),
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
    await Promise.all([this.lambda?.stop(), stopProcess(this.sim?.child), stopProcess(this.s3?.child), stopProcess(this.dynamodb?.child)]);
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
