// The local escalation, for people: runs one alert through the real state machine with the
// local services and prints its timeline. See `tests/local/run.sh --help`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalEscalation, ROOT, timeline } from './harness.mjs';

const USAGE = `usage: tests/local/run.sh [options]

Runs one alert through statemachine/escalation.asl.json with the real functions, a local S3
server seeded from samplejson/, and the Amazon Connect simulator; prints what happened.

  --alert FILE         execution input (default samplejson/resolve-roster.pipe.json: a Pipe batch
                       from projectA-sns-topic, in mapping mode with samplejson/mapping.json)
  --topic NAME         start from the console instead, for this SNS topic name
  --at RFC3339         plan as of this instant (a console start), e.g. 2026-12-01T09:00:00+09:00
  --message TEXT       the alert text of a console start
  --dry-run            walk the escalation without ringing anyone
  --simple             simple mode: samplejson/phoneNumber.json, no mapping
  --callee N=SPEC      script callee N (E.164); repeatable. SPEC is one of
                         ack[:SECONDS]  voicemail  busy  never  ringout[:SECONDS]
                         fails[:REASON]  refused  invalid
                       optionally followed by ,throttle:K (K throttled requests first)
                       Default: projectA's group1 voicemail, group2 acknowledges, group3 busy.
  --repeat-count N     CALL_REPEAT_COUNT (default 1)
  --repeat-group       CALL_REPEAT_GROUP=True
  --interval SECONDS   CALL_STATE_CHECK_INTERVAL_SECONDS (default 8 locally)
  -h, --help`;

const DEFAULT_CALLEES = {
  '+819012341001': 'voicemail', '+819012341002': 'voicemail',
  '+819012342001': 'ack:3', '+819012342002': 'never',
  '+819012343001': 'busy',
};

/** `ack:3,throttle:2` → the simulator's callee JSON. */
export function callee(spec) {
  const [main, ...extras] = spec.split(',');
  const [kind, arg] = main.split(':');
  const seconds = (fallback) => (arg === undefined ? fallback : Number(arg));
  const behaviours = {
    ack: () => ({ behaviour: 'acknowledges', afterSeconds: seconds(3), answerAfterSeconds: Math.min(1, seconds(3)) }),
    voicemail: () => ({ behaviour: 'voicemail', answerAfterSeconds: 1, hangUpAfterSeconds: 2 }),
    busy: () => ({ behaviour: 'busy', afterSeconds: 1 }),
    never: () => ({ behaviour: 'neverAnswers' }),
    ringout: () => ({ behaviour: 'neverAnswers', ringSeconds: seconds(4) }),
    fails: () => ({ behaviour: 'fails', afterSeconds: 1, reason: arg ?? 'TELECOM_PROBLEM' }),
    refused: () => ({ behaviour: 'refused' }),
    invalid: () => ({ behaviour: 'invalidNumber' }),
  };
  if (!behaviours[kind]) throw new Error(`--callee: unknown behaviour ${kind} in ${spec}`);
  const result = behaviours[kind]();
  for (const extra of extras) {
    const [name, count] = extra.split(':');
    if (name !== 'throttle' || !Number.isInteger(Number(count))) throw new Error(`--callee: unknown option ${extra} in ${spec}`);
    result.throttledRequests = Number(count);
  }
  if (Object.values(result).some((v) => Number.isNaN(v))) throw new Error(`--callee: bad number in ${spec}`);
  return result;
}

async function main() {
  const { values } = parseArgs({
    options: {
      alert: { type: 'string' }, topic: { type: 'string' }, at: { type: 'string' }, message: { type: 'string' },
      'dry-run': { type: 'boolean' }, simple: { type: 'boolean' }, callee: { type: 'string', multiple: true },
      'repeat-count': { type: 'string' }, 'repeat-group': { type: 'boolean' }, interval: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const callees = Object.fromEntries(Object.entries(DEFAULT_CALLEES).map(([n, s]) => [n, callee(s)]));
  for (const entry of values.callee ?? []) {
    const [number, spec] = entry.split('=');
    if (!spec) throw new Error(`--callee ${entry}: expected NUMBER=SPEC`);
    callees[number] = callee(spec);
  }
  let input;
  if (values.topic || values.at || values.message || values['dry-run']) {
    const topic = values.topic ?? (values.simple ? undefined : 'projectA-sns-topic');
    input = {
      ...(topic && { topicArn: `arn:aws:sns:ap-northeast-1:123456789012:${topic}` }),
      ...(values.message && { message: values.message }),
      ...(values.at && { at: values.at }),
      ...(values['dry-run'] && { dryRun: true }),
    };
  } else {
    input = JSON.parse(readFileSync(values.alert ?? join(ROOT, 'samplejson/resolve-roster.pipe.json'), 'utf8'));
  }
  const env = {
    MAPPING_JSON_FILE: values.simple ? undefined : 'mapping.json',
    ...(values['repeat-count'] && { CALL_REPEAT_COUNT: values['repeat-count'] }),
    ...(values['repeat-group'] && { CALL_REPEAT_GROUP: 'True' }),
    ...(values.interval && { CALL_STATE_CHECK_INTERVAL_SECONDS: values.interval }),
  };
  console.log('starting the local S3 server, the Connect simulator, the DynamoDB server and the functions…');
  const local = await LocalEscalation.start(env);
  try {
    await local.script(callees);
    const run = await local.run(input);
    console.log(timeline(run).join('\n'));
    const placed = (await local.requests()).filter((r) => r.operation === 'StartOutboundVoiceContact' && r.status === 200);
    console.log(`Amazon Connect (simulated) placed ${placed.length} call(s). Service logs: ${local.logDir}`);
    const failed = run.error || run.children.some((c) => c.error);
    process.exitCode = failed ? 1 : 0;
  } finally {
    await local.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(`run: ${err.message}`);
    process.exitCode = 2;
  });
}
