// Alert storms on the local runner (the real ASL, the real functions, the S3 server, the
// Connect simulator, the incident table): many alerts delivered by the Pipe at once, in
// batches of 10 SQS records, and what they cost in escalations, calls, state transitions and
// Lambda invocations. See `--help`.

import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LocalEscalation } from './harness.mjs';

/** The e2e roster's numbers (tests/local/fixtures/e2e-roster.json; escalation.test.mjs). */
const G1 = ['+815012341001', '+815012341002'];
const G2 = ['+815012342001', '+815012342002'];
const G3 = ['+815012343001'];
const TOPIC = 'duty-topic';
/** The Pipe's batch size. */
const BATCH = 10;

const USAGE = `usage: tests/local/storm.sh [options]

Runs two alert storms on duty-topic (tests/local/fixtures/e2e-mapping.json), each delivered as
Pipe batches of ${BATCH} SQS records all started at once, every callee acknowledging after 3 s:
  1. the same CloudWatch alarm (ALARM) in N SNS notifications (distinct MessageIds);
  2. N alarms with distinct names (ALARM) of the same project.
It prints, for each, the escalations that rang, the alerts that joined one, the calls placed,
the state transitions and Lambda invocations, and the wall time. It fails unless the
duplicates gave exactly one escalation that rang.

  --duplicates N    notifications of the same alarm (default 1000)
  --alarms N        distinct alarms (default 200)
  --parallel N      Pipe batches in flight at once (default: all of them)
  -h, --help`;

function options() {
  const { values } = parseArgs({
    options: {
      duplicates: { type: 'string', default: '1000' },
      alarms: { type: 'string', default: '200' },
      parallel: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const number = (name) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} ${values[name]}: expected a whole number of 1 or more`);
    return value;
  };
  return { duplicates: number('duplicates'), alarms: number('alarms'), parallel: values.parallel === undefined ? Infinity : number('parallel') };
}

// --- alerts as the Pipe delivers them (as in escalation.test.mjs) ---------------------------

let ids = 0;
function randomId() {
  ids += 1;
  return `a1b2c3d4-0000-4000-8000-${String(ids).padStart(12, '0')}`;
}

/** A CloudWatch alarm's SNS message. */
function alarmMessage(name, state) {
  return JSON.stringify({
    AlarmName: name, AWSAccountId: '123456789012', Region: 'Asia Pacific (Tokyo)', NewStateValue: state,
    AlarmArn: `arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:${name}`, NewStateReason: 'Threshold Crossed',
  });
}

/** An SNS notification of `topic` whose Message is `message`. */
function envelope(topic, message) {
  return {
    Type: 'Notification', MessageId: randomId(), Message: message,
    TopicArn: `arn:aws:sns:ap-northeast-1:123456789012:${topic}`, Timestamp: '2026-11-05T00:00:00.000Z',
  };
}

/** An SQS record as the Pipe delivers it: the SNS envelope as the body, with its MD5. */
function sqsRecord(body, messageId) {
  const text = JSON.stringify(body);
  return { messageId, body: text, md5OfBody: createHash('md5').update(text).digest('hex'), eventSource: 'aws:sqs', awsRegion: 'ap-northeast-1' };
}

/** The alarm messages cut into Pipe batches. */
function batches(messages) {
  const records = messages.map((message) => sqsRecord(envelope(TOPIC, message), `sqs-${randomId()}`));
  return Array.from({ length: Math.ceil(records.length / BATCH) }, (_, i) => records.slice(i * BATCH, (i + 1) * BATCH));
}

// --- counting ---------------------------------------------------------------------------

/** State transitions of one execution and of the executions it started (as cost.mjs counts). */
function transitions(run) {
  const own = run.events.filter((e) => e.type === 'StateEntered' || e.type === 'StateRetried').length;
  return own + run.children.reduce((sum, child) => sum + transitions(child), 0);
}

/** Runs `tasks` (functions returning promises) with at most `limit` in flight; results in order. */
async function pool(tasks, limit) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Delivers the batches at once (a fresh incident table, fresh callees) and counts what happened. */
async function storm(local, name, messages, parallel) {
  await local.script(Object.fromEntries([...G1, ...G2, ...G3].map((n) => [n, { behaviour: 'acknowledges', afterSeconds: 3, answerAfterSeconds: 1 }])));
  await local.forgetIncidents();
  local.lambda.takeUsage();
  const delivered = batches(messages);
  const started = Date.now();
  const runs = await pool(delivered.map((batch) => () => local.run(batch, { keepIncidents: true })), parallel);
  const seconds = (Date.now() - started) / 1000;
  const children = runs.flatMap((run) => run.children);
  const outcome = (child) => child.output?.outcome;
  const contacts = await (await fetch(`${local.sim.url}/_sim/contacts`)).json();
  const usage = local.lambda.takeUsage();
  const rang = children.filter((c) => outcome(c)?.status !== 'joined' && outcome(c)?.callsPlaced > 0).length;
  const joined = children.filter((c) => outcome(c)?.status === 'joined').length;
  return {
    name,
    alerts: messages.length,
    batches: delivered.length,
    inFlight: Math.min(parallel, delivered.length),
    children: children.length,
    rang,
    joined,
    // Anything else: an execution that failed, or ended without ringing and without joining.
    other: children.length - rang - joined,
    failedBatches: runs.filter((run) => run.error).length,
    calls: contacts.length,
    transitions: runs.reduce((sum, run) => sum + transitions(run), 0),
    invocations: Object.values(usage).reduce((sum, list) => sum + list.length, 0),
    seconds,
  };
}

async function main() {
  const settings = options();
  if (!settings) {
    console.log(USAGE);
    return;
  }
  const local = await LocalEscalation.start({ MAPPING_JSON_FILE: 'e2e-mapping.json' });
  let results;
  try {
    const same = Array.from({ length: settings.duplicates }, () => alarmMessage('db-storm', 'ALARM'));
    const distinct = Array.from({ length: settings.alarms }, (_, i) => alarmMessage(`db-storm-${i + 1}`, 'ALARM'));
    results = [
      await storm(local, `${settings.duplicates} duplicates`, same, settings.parallel),
      await storm(local, `${settings.alarms} different alarms of one project`, distinct, settings.parallel),
    ];
  } finally {
    await local.stop();
  }
  const rows = [
    ['alerts delivered', (r) => r.alerts],
    ['Pipe batches (in flight at once)', (r) => `${r.batches} (${r.inFlight})`],
    ['executions started', (r) => r.children],
    ['escalations that rang', (r) => r.rang],
    ['joined an open escalation', (r) => r.joined],
    ['other outcomes (failed, not rung)', (r) => r.other],
    ['batch executions failed', (r) => r.failedBatches],
    ['calls placed', (r) => r.calls],
    ['state transitions (all executions)', (r) => r.transitions],
    ['Lambda invocations', (r) => r.invocations],
    ['wall time (s)', (r) => r.seconds.toFixed(1)],
  ];
  console.log(`| | ${results.map((r) => r.name).join(' | ')} |`);
  console.log(`|---|${results.map(() => '---:').join('|')}|`);
  for (const [label, value] of rows) console.log(`| ${label} | ${results.map(value).join(' | ')} |`);
  // The requirement: duplicates of one alarm are one escalation.
  if (results[0].rang !== 1) {
    throw new Error(`${results[0].name} gave ${results[0].rang} escalations that rang, not 1; logs: ${local.logDir}`);
  }
}

main().catch((err) => {
  console.error(`storm: ${err.message}`);
  process.exitCode = 1;
});
