// End-to-end scenarios: the real ASL on aws-local-stepfunctions, the real function binaries
// as Lambda runtimes (tests/local/lambda.mjs), a real S3-protocol server, a DynamoDB-protocol
// server for the call ledger and the scripted Connect simulator.
// Rosters: tests/local/fixtures/ (see its README). Intervals are short (8 s, polled every
// second) so a scenario takes seconds; nothing here sleeps on its own.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { LocalEscalation, FALLBACK, mask, stateNames, timeline } from './harness.mjs';

const G1 = ['+815012341001', '+815012341002'];
const G2 = ['+815012342001', '+815012342002'];
const G3 = ['+815012343001'];
const DAY_5 = '2026-11-05T09:00:00+09:00';
const DAY_21 = '2026-11-21T09:00:00+09:00';
const INTERVAL_SECONDS = 8;
const MAPPING = { MAPPING_JSON_FILE: 'e2e-mapping.json' };

const ack = (afterSeconds = 2) => ({ behaviour: 'acknowledges', afterSeconds, answerAfterSeconds: 1 });
const voicemail = { behaviour: 'voicemail', answerAfterSeconds: 1, hangUpAfterSeconds: 2 };
const busy = { behaviour: 'busy', afterSeconds: 1 };
const never = { behaviour: 'neverAnswers' };

let local;

before(async () => {
  local = await LocalEscalation.start(MAPPING);
});

after(async () => {
  await local?.stop();
});

function alert(topic, extra = {}) {
  return { topicArn: `arn:aws:sns:ap-northeast-1:123456789012:${topic}`, at: DAY_5, ...extra };
}

/** Runs one scenario and shows its timeline when an assertion fails. */
async function escalate(callees, input, options) {
  await local.script(callees);
  const run = await local.run(input, options);
  const contacts = await (await fetch(`${local.sim.url}/_sim/contacts`)).json();
  const requests = await local.requests();
  return { run, contacts, requests, story: timeline(run).join('\n') };
}

const path = (run) => stateNames(run.events).join(' → ');

/** An SQS record as the Pipe delivers it: the SNS envelope as the body, with its MD5. */
function sqsRecord(envelope, messageId = 'sqs-1') {
  const body = JSON.stringify(envelope);
  return { messageId, body, md5OfBody: createHash('md5').update(body).digest('hex'), eventSource: 'aws:sqs', awsRegion: 'ap-northeast-1' };
}

/** An SNS notification of `topic` whose Message is `message`. */
function envelope(topic, message, extra = {}) {
  return {
    Type: 'Notification', MessageId: randomId(), Message: message,
    TopicArn: `arn:aws:sns:ap-northeast-1:123456789012:${topic}`, Timestamp: '2026-11-05T00:00:00.000Z', ...extra,
  };
}

let ids = 0;
function randomId() {
  ids += 1;
  return `a1b2c3d4-0000-4000-8000-${String(ids).padStart(12, '0')}`;
}

/** The published notifications whose subject is `subject`. */
const publishedAs = (run, subject) => run.published.filter((m) => m.Subject === subject);
const dialled = (contacts, number) => contacts.filter((c) => c.destination === number);

test('the duty group acknowledges on the first attempt, and the others\' calls are stopped', async () => {
  const { run, contacts, story } = await escalate({ [G1[0]]: ack(2), [G1[1]]: never }, alert('duty-topic'));
  const { outcome, history } = run.output;
  assert.equal(outcome.status, 'acknowledged', story);
  assert.equal(outcome.acknowledgedBy, mask(G1[0]), story);
  assert.equal(outcome.acknowledgedGroup, 'group1', story);
  assert.equal(history.length, 1, story);
  assert.deepEqual(contacts.map((c) => c.destination).sort(), [...G1].sort(), story);
  assert.equal(dialled(contacts, G1[1])[0].stopped, true, `the still-ringing call is stopped\n${story}`);
  assert.match(path(run), /ResolveRoster → DoesItPage → CallDutyGroup → WaitForAnswer.*CheckCalls → WhatNext → EndEscalation → WhatNext → Acknowledged → PublishOutcome → ReEscalateLater → Done/);
  assert.equal(run.published.length, 1);
  const notification = JSON.parse(run.published[0].Message);
  assert.equal(notification.outcome.status, 'acknowledged');
  assert.equal(notification.alert.topicName, 'duty-topic', 'the notification names the alert');
  assert.equal(notification.escalationId, run.executionName);
});

test('nobody in the first group acknowledges, so the next group is rung and acknowledges', async () => {
  const { run, story } = await escalate({ [G1[0]]: never, [G1[1]]: never, [G2[1]]: ack(2) }, alert('duty-topic'));
  const { outcome, history } = run.output;
  assert.equal(outcome.status, 'acknowledged', story);
  assert.equal(outcome.acknowledgedBy, mask(G2[1]), story);
  assert.deepEqual(history.map((a) => a.group), ['group1', 'group2'], story);
  assert.match(history[0].endedBecause, new RegExp(`within ${INTERVAL_SECONDS} s`), story);
  assert.ok(history[0].calls.every((c) => c.status === 'stopped'), story);
  // One task per poll decides; next-target only runs to hang up what the decision left ringing.
  assert.match(path(run), /^IsPipeBatch → ReceiveAlert → ResolveRoster → DoesItPage → CallDutyGroup → (WaitForAnswer → CheckCalls → WhatNext → )+EndAttempt → CallDutyGroup → (WaitForAnswer → CheckCalls → WhatNext → )+EndEscalation → WhatNext → Acknowledged/, story);
});

test('an execution the previous definition started finishes on the new functions (an upgrade during an alert)', async () => {
  // Step Functions runs an execution on the definition it started with, while a deployment
  // replaces the functions at once: the previous definition's CheckCalls sends only the calls,
  // and its DecideNext expects next-target to decide.
  const previous = 'tests/local/fixtures/escalation.before-one-step-poll.asl.json';
  const { run, contacts, story } = await escalate({ [G1[0]]: never, [G1[1]]: never, [G2[1]]: ack(2) }, alert('duty-topic'), { definition: previous });
  const { outcome, history } = run.output;
  assert.equal(outcome.status, 'acknowledged', story);
  assert.equal(outcome.acknowledgedBy, mask(G2[1]), story);
  assert.deepEqual(history.map((a) => a.group), ['group1', 'group2'], story);
  assert.ok(history[0].calls.every((c) => c.status === 'stopped'), story);
  assert.equal(dialled(contacts, G2[0])[0].stopped, true, `the still-ringing call is stopped\n${story}`);
  assert.match(path(run), /CheckCalls → DecideNext → WhatNext → Acknowledged → PublishOutcome → Done$/, story);
});

test('a voicemail answer (no key) does not end the escalation', async () => {
  const { run, story } = await escalate({ [G1[0]]: voicemail, [G1[1]]: voicemail, [G2[0]]: ack(2) }, alert('duty-topic'));
  const { outcome, history } = run.output;
  assert.deepEqual(history[0].calls.map((c) => c.status), ['answeredWithoutKey', 'answeredWithoutKey'], story);
  assert.equal(outcome.status, 'acknowledged', story);
  assert.equal(outcome.acknowledgedBy, mask(G2[0]), story);
  // The flow hung up (voicemail gave up): the next group is rung at the next short poll.
  const hungUp = Math.max(...history[0].calls.map((c) => Date.parse(c.endedAt)));
  const nextPlaced = Date.parse(history[1].calls[0].placedAt);
  assert.ok(nextPlaced - hungUp < 3000, `the next group was rung ${(nextPlaced - hungUp) / 1000} s after the hang-up\n${story}`);
});

test('a busy duty group moves the escalation on well before the full interval', async () => {
  const { run, story } = await escalate({ [G1[0]]: busy, [G1[1]]: busy, [G2[0]]: ack(2) }, alert('duty-topic'));
  const { history } = run.output;
  assert.deepEqual(history[0].calls.map((c) => c.status), ['busy', 'busy'], story);
  assert.match(history[0].endedBecause, /every call ended without the key/, story);
  const firstPlaced = Date.parse(history[0].calls[0].placedAt);
  const secondPlaced = Date.parse(history[1].calls[0].placedAt);
  assert.ok(secondPlaced - firstPlaced < INTERVAL_SECONDS * 1000, `the next group was rung before the interval ran out\n${story}`);
  assert.equal(run.output.outcome.acknowledgedGroup, 'group2', story);
});

test('no group for today rings the fallback number', async () => {
  const { run, contacts, story } = await escalate({ [FALLBACK]: ack(1) }, alert('gap-topic', { at: DAY_21 }));
  const { outcome, history } = run.output;
  assert.equal(history[0].group, undefined, story);
  assert.deepEqual(history[0].calls.map((c) => c.phoneNumber), [FALLBACK], story);
  assert.equal(outcome.acknowledgedBy, mask(FALLBACK), story);
  assert.deepEqual(contacts.map((c) => c.destination), [FALLBACK]);
});

test('an alert on an overridden day rings the override; before the 09:00 handoff the previous day\'s group is on duty', async () => {
  const STAND_IN = '+815012347001';
  let { run, contacts, story } = await escalate({ [STAND_IN]: ack(1), [G1[0]]: never, [G1[1]]: never }, alert('override-topic'));
  assert.equal(run.output.history[0].group, 'cover', story);
  assert.deepEqual(run.output.history[0].calls.map((c) => c.phoneNumber), [STAND_IN], story);
  assert.equal(run.output.outcome.acknowledgedBy, mask(STAND_IN), story);
  assert.deepEqual(contacts.map((c) => c.destination), [STAND_IN], 'group1 is not rung on the overridden day');

  // 08:30 on the 11th is still the 10th's duty (group1); the override has ended with the 6th.
  ({ run, contacts, story } = await escalate({ [G1[0]]: ack(1), [G1[1]]: never }, alert('override-topic', { at: '2026-11-11T08:30:00+09:00' })));
  assert.equal(run.output.today, '2026-11-10', story);
  assert.equal(run.output.history[0].group, 'group1', story);
  assert.equal(run.output.outcome.acknowledgedBy, mask(G1[0]), story);
  assert.deepEqual(contacts.map((c) => c.destination).sort(), [...G1].sort(), story);
});

test('an alert during a maintenance window rings nobody and the outcome says which window; after it, the alert rings', async () => {
  let { run, contacts, story } = await escalate({ [G1[0]]: ack(1), [G1[1]]: never }, alert('maintenance-topic'));
  assert.match(path(run), /^IsPipeBatch → ReceiveAlert → ResolveRoster → DoesItPage → .*PublishOutcome/, story);
  assert.doesNotMatch(path(run), /CallDutyGroup/, story);
  assert.deepEqual(contacts, [], story);
  const { outcome } = run.output;
  assert.equal(outcome.status, 'notice', story);
  assert.match(outcome.summary, /maintenance window "DB upgrade", 2026-11-04T23:00:00Z to 2026-11-05T01:00:00Z: recorded, nobody was rung/, story);
  assert.deepEqual(outcome.maintenance, {
    from: '2026-11-04T23:00:00Z', to: '2026-11-05T01:00:00Z', mode: 'notify', reason: 'DB upgrade', location: '[5].maintenance[0]',
  }, story);
  assert.deepEqual(await local.incidents(), [], 'a silenced alert opens no incident');

  ({ run, contacts, story } = await escalate({ [G1[0]]: ack(1), [G1[1]]: never }, alert('maintenance-topic', { at: '2026-11-05T10:00:00+09:00' })));
  assert.equal(run.output.outcome.status, 'acknowledged', story);
  assert.equal(run.output.outcome.maintenance, undefined, story);
  assert.deepEqual(contacts.map((c) => c.destination).sort(), [...G1].sort(), story);
});

test('a project\'s own policy: its repeat, interval and poll, and its calls speak with its voice, language and prompt', async () => {
  const { run, contacts, story } = await escalate({ [G1[0]]: never, [G1[1]]: never }, alert('policy-topic'));
  assert.equal(run.output.outcome.status, 'nobodyAcknowledged', story);
  assert.deepEqual(run.output.history.map((h) => h.group), ['group1', 'group1'], `two rounds of today's group only\n${story}`);
  assert.equal(contacts.length, 4, story);
  // Each attempt ends after the project's 5 s, not the deployment's 8 s.
  for (const contact of contacts) {
    const seconds = (Date.parse(contact.disconnectedAt) - Date.parse(contact.initiatedAt)) / 1000;
    assert.ok(seconds < INTERVAL_SECONDS - 1, `${mask(contact.destination)} rang ${seconds} s\n${story}`);
  }
  for (const contact of contacts) {
    const { voice, voiceEngine, languageCode, prompt } = contact.attributes;
    assert.deepEqual({ voice, voiceEngine, languageCode, prompt },
      { voice: 'Joanna', voiceEngine: 'Neural', languageCode: 'en-US', prompt: 'This is an alert. Press 1 to acknowledge.' }, story);
  }
  // Another project on the same roster keeps the deployment's prompt and the flow's own voice.
  const other = await escalate({ [G1[0]]: ack(1), [G1[1]]: never }, alert('duty-topic'));
  const first = other.contacts.find((c) => c.destination === G1[0]);
  assert.equal(first.attributes.voice, undefined, other.story);
  assert.match(first.attributes.prompt, /1を押してください/, other.story);
});

test('a broken roster rings the fallback number and the problem is in the output', async () => {
  const { run, story } = await escalate({ [FALLBACK]: ack(1) }, alert('broken-topic'));
  const { outcome, problems } = run.output;
  assert.equal(outcome.acknowledgedBy, mask(FALLBACK), story);
  const problem = problems.find((p) => p.source === 's3://rosters/e2e-broken-roster.json');
  assert.ok(problem, story);
  assert.equal(problem.severity, 'error');
  assert.match(problem.message, /not valid JSON/);
  assert.deepEqual(outcome.problems, problems, 'the outcome notification carries the problems too');
});

test('an invalid number in the duty group: the valid one and the fallback number are rung', async () => {
  const { run, contacts, story } = await escalate({ '+815012346001': never, [FALLBACK]: ack(2) }, alert('placeholder-topic'));
  assert.deepEqual(contacts.map((c) => c.destination).sort(), ['+815012346001', FALLBACK].sort(), story);
  assert.equal(run.output.outcome.acknowledgedBy, mask(FALLBACK), story);
  assert.ok(run.output.problems.some((p) => p.location === '[0].phoneNumber[1]'), story);
});

test('Connect throttling on the first calls is retried, and nobody is rung twice', async () => {
  const callees = { [G1[0]]: { ...ack(3), throttledRequests: 5 }, [G1[1]]: { ...never, throttledRequests: 1 } };
  const { run, contacts, requests, story } = await escalate(callees, alert('duty-topic'));
  assert.equal(run.output.outcome.status, 'acknowledged', story);
  assert.equal(run.output.outcome.acknowledgedBy, mask(G1[0]), story);
  assert.equal(dialled(contacts, G1[0]).length, 1, `rung once\n${story}`);
  assert.equal(dialled(contacts, G1[1]).length, 1, `rung once\n${story}`);
  const starts = requests.filter((r) => r.operation === 'StartOutboundVoiceContact' && r.body.DestinationPhoneNumber === G1[0]);
  assert.deepEqual(starts.map((r) => r.status), [429, 429, 429, 429, 429, 200]);
  // The SDK makes at most 3 attempts per invocation: 6 requests mean place-call failed with
  // ConnectThrottled and the workflow's Retry invoked it again, with the same ClientToken.
  assert.equal(new Set(starts.map((r) => r.body.ClientToken)).size, 1);
});

test('a function that fails for good takes the fail-safe path, which rings the fallback number', async () => {
  const { run, contacts, story } = await escalate({ [FALLBACK]: ack(1) }, alert('duty-topic'), { failStates: { CheckCalls: 'Lambda.Unknown' } });
  assert.equal(run.error?.name, 'EscalationFailed', story);
  assert.match(path(run), /CheckCalls → FailSafe → RingFallbackNumber → ReportFailure → EscalationFailed/);
  assert.equal(dialled(contacts, FALLBACK).length, 1, story);
  assert.deepEqual(run.published.map((m) => m.Subject), ['lambda-connect: escalation failed']);
});

test('Connect refuses every number of the duty group: the fallback number is rung before the next group', async () => {
  const refused = { behaviour: 'refused' };
  const { run, contacts, story } = await escalate({ [G1[0]]: refused, [G1[1]]: refused, [FALLBACK]: ack(1) }, alert('duty-topic'));
  assert.equal(run.error, null, story);
  const [first, fallback] = run.output.history;
  assert.deepEqual(first.calls.map((c) => [c.status, c.contactId ?? null]), [['failed', null], ['failed', null]], story);
  assert.deepEqual(fallback.calls.map((c) => c.phoneNumber), [FALLBACK], story);
  assert.equal(run.output.outcome.acknowledgedBy, mask(FALLBACK), story);
  assert.deepEqual(contacts.map((c) => c.destination), [FALLBACK], 'only the fallback call reached a phone');
});

test('Connect places no call at all: the fallback is tried, the report says why, and the execution fails', async () => {
  const refused = { behaviour: 'refused' };
  const everyone = Object.fromEntries([...G1, ...G2, ...G3, FALLBACK].map((number) => [number, refused]));
  const { run, contacts, story } = await escalate(everyone, alert('duty-topic'));
  assert.equal(run.error?.name, 'EscalationFailed', story);
  assert.match(path(run), /CheckCalls → WhatNext → NoCallPlaced → FailSafe → RingFallbackNumber → ReportFailure → EscalationFailed$/, story);
  assert.deepEqual(contacts, [], story);
  assert.deepEqual(run.published.map((m) => m.Subject), ['lambda-connect: escalation failed'], 'no "nobody acknowledged" outcome');
  const failSafe = run.events.find((e) => e.type === 'StateExited' && e.state.name === 'RingFallbackNumber');
  const { report } = failSafe.state.output.failSafe;
  assert.equal(report.failure.Error, 'NoCallPlaced', story);
  assert.match(report.summary, /no call could be placed/, story);
  assert.equal(report.callsPlaced, 0, story);
});

test('a dry run asked for by an SNS message attribute rings nobody even on the fail-safe path', async () => {
  const envelope = JSON.stringify({
    Type: 'Notification', MessageId: 'a1b2c3d4-0000-4000-8000-00000000e2e2', Message: 'roster change check',
    TopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:duty-topic',
    MessageAttributes: { dryRun: { Type: 'String', Value: 'true' } },
  });
  const record = { messageId: 'sqs-3', body: envelope, eventSource: 'aws:sqs' };
  const { run, contacts, story } = await escalate({ [FALLBACK]: ack(1) }, record, { failStates: { ResolveRoster: 'Lambda.Unknown' } });
  assert.match(path(run), /ResolveRoster → FailSafe → RingFallbackNumber → ReportFailure → EscalationFailed/, story);
  assert.deepEqual(contacts, [], 'the fallback number is not rung for a dry run');
  // (The local engine's States.JsonToString does not escape nested strings, so the published
  // report is read from the state instead of parsed.)
  const failSafe = run.events.find((e) => e.type === 'StateExited' && e.state.name === 'RingFallbackNumber');
  assert.equal(failSafe.state.output.failSafe.call.status, 'dryRun', story);
  assert.deepEqual(run.published.map((m) => m.Subject), ['lambda-connect: escalation failed']);
});

test('a dry run rings nobody and lists the numbers a real alert would ring, in order', async () => {
  const { run, contacts, requests, story } = await escalate({}, alert('duty-topic', { dryRun: true }));
  assert.equal(run.output.outcome.status, 'dryRun', story);
  assert.deepEqual(contacts, []);
  assert.equal(requests.filter((r) => r.operation === 'StartOutboundVoiceContact').length, 0);
  assert.match(path(run), /DryRunComplete/);
  // What a real alert would ring: resolve-roster's plan for the same input without dryRun.
  const real = JSON.parse((await local.invoke('resolve-roster', alert('duty-topic'))).body);
  const expected = real.attempts.map((a) => a.phoneNumbers.map(mask));
  assert.deepEqual(expected, [G1.map(mask), G2.map(mask), G3.map(mask)]);
  assert.deepEqual(run.output.outcome.callList, expected, story);
  assert.deepEqual(run.output.history.map((a) => a.calls.map((c) => c.status)), [['dryRun', 'dryRun'], ['dryRun', 'dryRun'], ['dryRun']]);
});

test('a Pipe batch starts one escalation per alert, and a duplicate delivery rings nobody twice', async () => {
  const record = sqsRecord(envelope('duty-topic', 'DB down', { Timestamp: '2026-11-21T00:00:00.000Z' }));
  const everyone = Object.fromEntries([...G1, ...G2, ...G3].map((n) => [n, ack(1)]));
  const { run, contacts, story } = await escalate(everyone, [record, { ...record, messageId: 'sqs-2' }]);
  assert.equal(run.error, null, story);
  assert.match(path(run), /IsPipeBatch → StartOneEscalationPerAlert/);
  assert.ok(run.events.some((e) => e.type === 'StateEntered' && e.state.name === 'DuplicateDelivery'), story);
  assert.equal(run.children.length, 1, story);
  const [child] = run.children;
  assert.equal(child.name, `alert-${record.md5OfBody}`);
  assert.equal(child.output.outcome.status, 'acknowledged', story);
  const numbers = contacts.map((c) => c.destination);
  assert.equal(new Set(numbers).size, numbers.length, `nobody rung twice\n${story}`);
});

test('repeat-group mode rings the same group CALL_REPEAT_COUNT times, then ends NobodyAcknowledged', async () => {
  await local.configure({ ...MAPPING, CALL_REPEAT_GROUP: 'True', CALL_REPEAT_COUNT: '2' });
  const { run, contacts, story } = await escalate({ [G1[0]]: busy, [G1[1]]: busy }, alert('duty-topic'))
    .finally(() => local.configure(MAPPING));
  const { outcome, history } = run.output;
  assert.deepEqual(history.map((a) => a.group), ['group1', 'group1'], story);
  assert.equal(outcome.status, 'nobodyAcknowledged', story);
  assert.match(path(run), /NobodyAcknowledged → PublishOutcome → ReEscalateLater → Done/);
  assert.deepEqual(contacts.map((c) => c.destination).sort(), [...G1, ...G1].sort(), 'only the duty group, twice');
});

for (const kilobytes of [9, 12, 200]) {
  test(`a ${kilobytes} KB alert through the Pipe rings the duty group exactly once`, async () => {
    // States.Hash takes at most 10,000 characters and fails uncatchably past that; the intake
    // names the child from the record's md5OfBody instead. A large alert's text is cut in the
    // state, so no state comes near Step Functions' 256 KB limit (which the runner enforces).
    const message = `disk full on db-1. ${'x'.repeat(kilobytes * 1024)}`;
    const record = sqsRecord(envelope('duty-topic', message));
    // An SNS alert is planned for the real today: whichever group is on duty, its first
    // number acknowledges.
    const callees = { [G1[0]]: ack(2), [G1[1]]: never, [G2[0]]: ack(2), [G2[1]]: never, [G3[0]]: ack(2) };
    const { run, contacts, story } = await escalate(callees, [record]);
    assert.equal(run.error, null, story);
    assert.equal(run.children.length, 1, story);
    const [child] = run.children;
    assert.equal(child.error, null, story);
    assert.equal(child.output.outcome.status, 'acknowledged', story);
    const dutyGroup = child.output.history[0].calls.map((c) => c.phoneNumber);
    assert.equal(child.output.history.length, 1, story);
    assert.deepEqual(contacts.map((c) => c.destination).sort(), [...dutyGroup].sort(), `each number of the duty group rung once\n${story}`);
    assert.ok(JSON.stringify(child.output).length < 32 * 1024, `the output stays small: ${JSON.stringify(child.output).length} bytes`);
  });
}

test('items the intake cannot name (no body, not even an object) still ring someone', async () => {
  const noBody = { messageId: 'sqs-9', eventSource: 'aws:sqs' };
  const { run, contacts, story } = await escalate({ [FALLBACK]: ack(1) }, [noBody, 'not a record']);
  assert.equal(run.error, null, story);
  assert.equal(run.children.length, 2, story);
  for (const child of run.children) {
    assert.equal(child.error, null, story);
    assert.match(stateNames(child.events).join(' → '), /^IsPipeBatch → ReceiveAlert → ResolveRoster/, story);
    assert.equal(child.output.outcome.status, 'acknowledged', story);
  }
  assert.equal(dialled(contacts, FALLBACK).length, 2, `each alert rings the fallback number\n${story}`);
});

/** Asserts an escalation that could read no roster ends as designed: fallback rung, outcome published, problem named. */
function assertFallbackOnly({ run, contacts, story }, problem) {
  assert.equal(run.error, null, story);
  assert.match(path(run), /Acknowledged → PublishOutcome → ReEscalateLater → Done$/, story);
  assert.equal(run.output.roster, null, story);
  assert.equal(run.output.outcome.acknowledgedBy, mask(FALLBACK), story);
  assert.deepEqual(contacts.map((c) => c.destination), [FALLBACK], story);
  assert.equal(publishedAs(run, 'lambda-connect: acknowledged').length, 1, story);
  assert.ok(run.output.problems.some((p) => problem.test(`${p.source} ${p.location ?? ''} ${p.message}`)), story);
}

test('a roster that does not exist: the fallback is rung and the execution ends as designed', async () => {
  assertFallbackOnly(await escalate({ [FALLBACK]: ack(1) }, alert('missing-topic')), /e2e-missing-roster\.json.*does not exist/);
});

test('a roster the functions may not read (AccessDenied): the fallback is rung and the execution ends as designed', async () => {
  assertFallbackOnly(await escalate({ [FALLBACK]: ack(1) }, alert('denied-topic')), /e2e-denied-roster\.json.*AccessDenied/);
});

test('a topic missing from the mapping: the fallback is rung and the execution ends as designed', async () => {
  assertFallbackOnly(await escalate({ [FALLBACK]: ack(1) }, alert('unmapped-topic')), /unmapped-topic/);
});

test('a broken mapping: the fallback is rung and the execution ends as designed', async () => {
  await local.configure({ MAPPING_JSON_FILE: 'e2e-broken-mapping.json' });
  try {
    assertFallbackOnly(await escalate({ [FALLBACK]: ack(1) }, alert('duty-topic')), /e2e-broken-mapping\.json.*not valid JSON/);
  } finally {
    await local.configure(MAPPING);
  }
});

test('a typo in a setting (ROSTER_TIME_ZONE) still rings the fallback number, and the problem names the setting', async () => {
  await local.configure({ ...MAPPING, ROSTER_TIME_ZONE: 'Asia/Tokio' });
  try {
    const result = await escalate({ [FALLBACK]: ack(1) }, alert('duty-topic'));
    assertFallbackOnly(result, /ROSTER_TIME_ZONE.*Asia\/Tokio/);
  } finally {
    await local.configure(MAPPING);
  }
});

test('a person who answered is not hung up when the interval passes: 1 pressed after it still counts', async () => {
  // Answers at 1 s, listens to the message, presses 1 at 12 s; the attempt's interval is 8 s.
  const listener = { behaviour: 'acknowledges', answerAfterSeconds: 1, afterSeconds: 12 };
  const { run, contacts, story } = await escalate({ [G1[0]]: listener, [G1[1]]: never }, alert('duty-topic'));
  assert.equal(run.output.outcome.status, 'acknowledged', story);
  assert.equal(run.output.outcome.acknowledgedBy, mask(G1[0]), story);
  assert.equal(run.output.history.length, 1, `no second attempt\n${story}`);
  assert.equal(dialled(contacts, G1[0])[0].stopped, false, `the listener was not stopped\n${story}`);
});

test('a call that cannot be stopped after someone pressed 1 is reported, and the acknowledgement stands', async () => {
  const { run, contacts, story } = await escalate({ [G1[0]]: ack(2), [G1[1]]: { ...never, stopThrottled: true } }, alert('duty-topic'));
  assert.equal(run.error, null, story);
  assert.equal(run.output.outcome.status, 'acknowledged', story);
  assert.match(path(run), /Acknowledged → PublishOutcome → ReEscalateLater → Done$/, story);
  assert.equal(dialled(contacts, FALLBACK).length, 0, `the fallback is not rung\n${story}`);
  assert.deepEqual(run.published.map((m) => m.Subject), ['lambda-connect: acknowledged'], story);
  const stuck = run.output.history[0].calls.find((c) => c.phoneNumber === G1[1]);
  assert.match(stuck.detail, /could not be stopped/, story);
  assert.ok(run.output.outcome.problems.some((p) => /could not be stopped/.test(p.message)), story);
});

test('the failure report published on the fail-safe path carries masked numbers only', async () => {
  const { run, story } = await escalate({ [FALLBACK]: ack(1), [G1[0]]: never, [G1[1]]: never }, alert('duty-topic'), { failStates: { EndAttempt: 'Lambda.Unknown' } });
  assert.equal(run.error?.name, 'EscalationFailed', story);
  const [report] = publishedAs(run, 'lambda-connect: escalation failed');
  assert.ok(report, story);
  for (const number of [FALLBACK, ...G1]) {
    assert.ok(!report.Message.includes(number.slice(1)), `${number} in clear in the report:\n${report.Message}`);
  }
  assert.ok(report.Message.includes(mask(FALLBACK)), report.Message);
  assert.match(report.Message, /escalationFailed/);
});

/** A CloudWatch alarm notification of `state` for the alarm `name`, as CloudWatch publishes it. */
function alarmMessage(name, state) {
  return JSON.stringify({
    AlarmName: name, AWSAccountId: '123456789012', Region: 'Asia Pacific (Tokyo)', NewStateValue: state,
    AlarmArn: `arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:${name}`, NewStateReason: 'Threshold Crossed',
  });
}

test('an alarm back to OK, or without data, rings nobody and says why; the same alarm in ALARM rings', async () => {
  const callees = { [G1[0]]: ack(2), [G1[1]]: never, [G2[0]]: ack(2), [G2[1]]: never, [G3[0]]: ack(2) };
  for (const [state, status] of [['OK', 'resolved'], ['INSUFFICIENT_DATA', 'notice']]) {
    const record = sqsRecord(envelope('duty-topic', alarmMessage('db-cpu', state)), `sqs-${state}`);
    const { run, contacts, story } = await escalate(callees, [record]);
    const [child] = run.children;
    assert.equal(child.error, null, story);
    assert.deepEqual(contacts, [], `${state} rings nobody\n${story}`);
    assert.equal(child.output.outcome.status, status, story);
    assert.match(child.output.outcome.summary, /alarm:db-cpu .*nobody was rung/, story);
    if (state === 'OK') assert.match(child.output.outcome.summary, /no incident was open for it/, story);
    assert.match(path(child), /ResolveRoster → DoesItPage → NobodyPaged → PublishOutcome → ReEscalateLater → Done$/, story);
    const [published] = child.published;
    assert.equal(published.Subject, `lambda-connect: ${status}`, story);
  }
  const record = sqsRecord(envelope('duty-topic', alarmMessage('db-cpu', 'ALARM')), 'sqs-ALARM');
  const { run, contacts, story } = await escalate(callees, [record]);
  assert.equal(run.children[0].output.outcome.status, 'acknowledged', story);
  assert.ok(contacts.length > 0, story);
  assert.match(path(run.children[0]), /ResolveRoster → DoesItPage → CallDutyGroup/, story);
});

test('an explicit resolve (SNS message attributes dedupKey and action) rings nobody', async () => {
  const attributes = { dedupKey: { Type: 'String', Value: 'db/primary' }, action: { Type: 'String', Value: 'resolve' } };
  const record = sqsRecord(envelope('duty-topic', 'The primary database answers again.', { MessageAttributes: attributes }), 'sqs-resolve');
  const { run, contacts, story } = await escalate({ [G1[0]]: ack(2), [G2[0]]: ack(2), [G3[0]]: ack(2) }, [record]);
  const [child] = run.children;
  assert.deepEqual(contacts, [], story);
  assert.equal(child.output.outcome.status, 'resolved', story);
  assert.match(child.output.outcome.summary, /the source resolved db\/primary/, story);
});

// --- incidents: one escalation per problem ----------------------------------------------

const EVERYONE = [...G1, ...G2, ...G3];
const all = (behaviour) => Object.fromEntries(EVERYONE.map((n) => [n, behaviour]));

/** The Pipe's delivery of `message` on duty-topic, with `attributes` as SNS message attributes. */
const delivery = (message, attributes) =>
  sqsRecord(envelope('duty-topic', message, attributes ? { MessageAttributes: attributes } : {}), `sqs-${randomId()}`);

/** Resolves once the simulator has started `count` contacts. */
async function contactsStarted(count) {
  for (let i = 0; i < 300; i += 1) {
    const contacts = await (await fetch(`${local.sim.url}/_sim/contacts`)).json();
    if (contacts.length >= count) return contacts;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the simulator never started ${count} contacts`);
}

/** Waits until some number has been rung twice; gives the numbers rung so far. */
async function ringTwice() {
  for (let i = 0; i < 300; i += 1) {
    const numbers = (await (await fetch(`${local.sim.url}/_sim/contacts`)).json()).map((c) => c.destination);
    const distinct = new Set(numbers);
    if (distinct.size < numbers.length) return distinct;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the simulator never rang a number twice');
}

const resolvesWhileRinging = [
  ['an alarm back to OK', alarmMessage('db-cpu', 'ALARM'), undefined, alarmMessage('db-cpu', 'OK'), undefined],
  ['an explicit resolve by dedup key', 'The primary database is down.', { dedupKey: { Type: 'String', Value: 'db/primary' }, action: { Type: 'String', Value: 'trigger' } },
    'The primary database answers again.', { dedupKey: { Type: 'String', Value: 'db/primary' }, action: { Type: 'String', Value: 'resolve' } }],
];
for (const [what, trigger, triggerAttributes, resolve, resolveAttributes] of resolvesWhileRinging) {
  test(`${what} while the group is ringing stops its calls, and the escalation ends resolved`, async () => {
    await local.script(all(never));
    const ringing = local.run([delivery(trigger, triggerAttributes)]);
    const started = await contactsStarted(1);
    const resolving = await local.run([delivery(resolve, resolveAttributes)], { keepIncidents: true });
    const run = await ringing;
    const [child] = run.children;
    const story = timeline(child).join('\n');
    assert.equal(child.error, null, story);
    assert.equal(child.output.outcome.status, 'resolved', story);
    assert.match(child.output.outcome.summary, /resolved .* before anyone acknowledged/, story);
    assert.match(path(child), /CheckCalls → WhatNext → EndEscalation → WhatNext → ResolvedBySource → PublishOutcome → ReEscalateLater → Done$/, story);
    const stopped = child.output.history.at(-1).calls;
    assert.ok(stopped.length >= started.length && stopped.every((c) => c.status === 'stopped'), story);
    const stops = (await local.requests()).filter((r) => r.operation === 'StopContact');
    assert.equal(stops.length, stopped.length, `every ringing call was hung up\n${story}`);
    assert.deepEqual(child.published.map((m) => m.Subject), ['lambda-connect: resolved'], story);
    assert.equal(child.output.history.length, 1, `no further attempt\n${story}`);
    // The resolving alert rang nobody and said which escalation it stopped.
    const [resolver] = resolving.children;
    assert.equal(resolver.output.outcome.status, 'resolved');
    assert.match(resolver.output.outcome.summary, new RegExp(`escalation ${child.name}, still ringing for it, stops at its next check`));
    const starts = (await local.requests()).filter((r) => r.operation === 'StartOutboundVoiceContact');
    assert.equal(starts.length, stops.length, `nobody was rung after the resolve\n${story}`);
  });
}

test('a flapping alarm (ALARM, OK, ALARM) is exactly two incidents: the second ALARM rings again', async () => {
  await local.script(all(ack(1)));
  const first = await local.run([delivery(alarmMessage('db-flap', 'ALARM'))]);
  const ok = await local.run([delivery(alarmMessage('db-flap', 'OK'))], { keepIncidents: true });
  const second = await local.run([delivery(alarmMessage('db-flap', 'ALARM'))], { keepIncidents: true });
  const statuses = [first, ok, second].map((run) => run.children[0].output.outcome.status);
  assert.deepEqual(statuses, ['acknowledged', 'resolved', 'acknowledged']);
  assert.match(ok.children[0].output.outcome.summary, new RegExp(`the incident escalation ${first.children[0].name} opened is closed`));
  const rang = [first, second].map((run) => run.children[0].output.outcome.callsPlaced);
  assert.ok(rang.every((calls) => calls > 0), `both incidents rang: ${rang}`);
  const item = (await local.incidents()).find((i) => i.pk.S.startsWith('incident#'));
  assert.equal(item.escalationId.S, second.children[0].name, 'the item is the second incident');
  assert.equal(item.status.S, 'acknowledged');
});

test('the same alarm delivered 50 times in a minute is one escalation: each number is rung once per attempt', async () => {
  await local.script(all(ack(3)));
  await local.forgetIncidents();
  const batches = Array.from({ length: 5 }, () => Array.from({ length: 10 }, () => delivery(alarmMessage('db-storm', 'ALARM'))));
  const runs = await Promise.all(batches.map((batch) => local.run(batch, { keepIncidents: true })));
  const children = runs.flatMap((run) => run.children);
  const story = children.filter((c) => c.output?.outcome?.status !== 'joined').map((c) => timeline(c).join('\n')).join('\n\n');
  assert.equal(children.length, 50, story);
  const byStatus = Object.groupBy(children, (c) => c.output.outcome.status);
  assert.equal(byStatus.acknowledged?.length, 1, story);
  assert.equal(byStatus.joined?.length, 49, story);
  for (const joined of byStatus.joined) {
    assert.match(path(joined), /ResolveRoster → DoesItPage → NobodyPaged → PublishOutcome → ReEscalateLater → Done$/);
    assert.equal(joined.published[0].Subject, 'lambda-connect: joined');
  }
  const contacts = await (await fetch(`${local.sim.url}/_sim/contacts`)).json();
  const numbers = contacts.map((c) => c.destination);
  assert.equal(new Set(numbers).size, numbers.length, `each number rung once\n${numbers.map(mask).join(', ')}`);
  const item = (await local.incidents()).find((i) => i.pk.S.startsWith('incident#'));
  assert.equal(item.alerts.N, '50');
});

test('when the incident store is down the alert still rings, and the problem is reported', async () => {
  await local.configure({ ...MAPPING, INCIDENT_TABLE: 'lambda-connect-no-such-table' });
  try {
    await local.script(all(ack(1)));
    const run = await local.run([delivery(alarmMessage('db-down', 'ALARM'))]);
    const [child] = run.children;
    const story = timeline(child).join('\n');
    assert.equal(child.output.outcome.status, 'acknowledged', story);
    assert.ok(child.output.outcome.callsPlaced > 0, story);
    const problem = child.output.outcome.problems.find((p) => p.source === 'INCIDENT_TABLE');
    assert.match(problem?.message ?? '', /ResourceNotFoundException.*rung as a new incident/, story);
    assert.match(child.published[0].Message, /INCIDENT_TABLE/, 'the outcome notification reports it');
  } finally {
    await local.configure(MAPPING);
  }
});

test('a dry run leaves no trace in the incident store, and does not stop a real alert from ringing', async () => {
  await local.script(all(ack(1)));
  const dry = await local.run([delivery(alarmMessage('db-dry', 'ALARM'), { dryRun: { Type: 'String', Value: 'true' } })]);
  assert.equal(dry.children[0].output.outcome.status, 'dryRun');
  assert.deepEqual(await local.incidents(), []);
  const real = await local.run([delivery(alarmMessage('db-dry', 'ALARM'))], { keepIncidents: true });
  assert.equal(real.children[0].output.outcome.status, 'acknowledged');
  assert.deepEqual((await local.incidents()).map((item) => item.pk.S.split('#')[0]).sort(), ['incident', 'project']);
});

test('200 different alarms of one project are one ringing escalation that lists them; another project rings on its own', async () => {
  // Everyone answers and stays on the line without pressing 1, which keeps each project's first
  // escalation ringing (an answered call is never cut by the interval) until every alert has
  // been claimed; then an OK for the alarm that leads each project ends it.
  await local.script(all({ behaviour: 'voicemail', answerAfterSeconds: 1, hangUpAfterSeconds: 590 }));
  await local.forgetIncidents();
  const storm = (topic, count) => Array.from({ length: count }, (_, i) =>
    sqsRecord(envelope(topic, alarmMessage(`${topic}-alarm-${i}`, 'ALARM')), `sqs-${randomId()}`));
  const batches = (records) => Array.from({ length: Math.ceil(records.length / 10) }, (_, i) => records.slice(i * 10, i * 10 + 10));
  // One Pipe batch every half second (all within a minute): all at once, the local DynamoDB
  // server (one Python process) can take longer than the store's 3 s timeout, and an alert
  // whose claim times out rings as a new incident, by design.
  const runs = [];
  for (const batch of [...batches(storm('duty-topic', 200)), ...batches(storm('second-topic', 3))]) {
    runs.push(local.run(batch, { keepIncidents: true }));
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const expected = { 'duty-topic': '199', 'second-topic': '2' };
  const leaders = {};
  for (const [topic, related] of Object.entries(expected)) {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const project = await local.incident(`project#${topic}`);
      if (project?.related?.N === related) {
        leaders[topic] = project.escalationId.S;
        break;
      }
      if (Date.now() > deadline) {
        const incidents = (await local.incidents()).filter((item) => item.pk.S.startsWith(`incident#${topic}#`));
        const by = (name) => Object.entries(Object.groupBy(incidents, (item) => `${item[name]?.S} ${item.status?.S}`)).map(([k, v]) => `${k}: ${v.length}`);
        const keys = new Set((project?.relatedKeys?.L ?? []).map((k) => k.S));
        const unlisted = incidents.map((item) => item.pk.S.split('#').pop()).filter((key) => !keys.has(key));
        throw new Error(`${topic}: ${project?.related?.N ?? 'no'} related alerts, expected ${related}; led by ${project?.escalationId?.S}; incidents by escalation: ${by('escalationId')}; opened by: ${by('openedBy')}; not related: ${unlisted}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const items = await local.incidents();
  for (const [topic, leader] of Object.entries(leaders)) {
    const incident = items.find((item) => item.pk.S.startsWith(`incident#${topic}#`) && item.openedBy.S === leader);
    const alarm = incident.pk.S.split(':alarm:')[1];
    await local.run([sqsRecord(envelope(topic, alarmMessage(alarm, 'OK')), `sqs-${randomId()}`)], { keepIncidents: true });
  }
  const children = (await Promise.all(runs)).flatMap((run) => run.children);
  const rang = children.filter((child) => child.output.outcome.status !== 'joined');
  const story = rang.map((child) => timeline(child).join('\n')).join('\n\n');
  assert.equal(children.length, 203, story);
  assert.equal(rang.length, 2, `one escalation per project\n${story}`);
  const [duty, second] = ['duty-topic', 'second-topic'].map((topic) => rang.find((child) => child.output.alert.topicName === topic));
  assert.equal(duty.output.outcome.status, 'resolved', story);
  assert.equal(duty.output.outcome.related.count, 199, story);
  assert.equal(duty.output.outcome.related.keys.length, 199, 'every key is listed');
  assert.match(duty.published[0].Message, /"related":\{"count":199/);
  assert.equal(second.output.outcome.related.count, 2, story);
  const joined = children.filter((child) => child.output.outcome.status === 'joined');
  assert.ok(joined.every((child) => /joined it as related alert \d+/.test(child.output.outcome.summary)), 'each joined as a related alert');
  const contacts = await (await fetch(`${local.sim.url}/_sim/contacts`)).json();
  assert.equal(contacts.length, duty.output.outcome.callsPlaced + second.output.outcome.callsPlaced, 'only the two escalations rang');
});

test('after an acknowledgement, the quiet window groups the project\'s next alarm instead of paging', async () => {
  await local.script(all(ack(1)));
  const first = await local.run([sqsRecord(envelope('quiet-topic', alarmMessage('quiet-a', 'ALARM')), `sqs-${randomId()}`)]);
  assert.equal(first.children[0].output.outcome.status, 'acknowledged');
  const placed = (await local.requests()).filter((r) => r.operation === 'StartOutboundVoiceContact').length;
  const second = await local.run([sqsRecord(envelope('quiet-topic', alarmMessage('quiet-b', 'ALARM')), `sqs-${randomId()}`)], { keepIncidents: true });
  const [child] = second.children;
  assert.equal(child.output.outcome.status, 'joined', timeline(child).join('\n'));
  assert.match(child.output.outcome.summary, new RegExp(`another incident of quiet-topic is acknowledged \\(escalation ${first.children[0].name}\\): .*alarm:quiet-b joined it`));
  assert.equal((await local.requests()).filter((r) => r.operation === 'StartOutboundVoiceContact').length, placed, 'nobody rung');
});

test('an acknowledged incident still not resolved after reEscalateMinutes rings again, until the source resolves it', async () => {
  await local.script(all(ack(1)));
  // The project's delay is a minute; the run shortens the wait itself to 2 s.
  const ringing = local.run([sqsRecord(envelope('reescalate-topic', alarmMessage('db-stuck', 'ALARM')), `sqs-${randomId()}`)],
    { waits: { WaitToReEscalate: 2000 } });
  // The re-escalation rings the same group again: it has begun once a number is rung twice.
  // (Counting contacts instead races with the first attempt's own calls, which start one by one.)
  const group = await ringTwice();
  await local.run([sqsRecord(envelope('reescalate-topic', alarmMessage('db-stuck', 'OK')), `sqs-${randomId()}`)], { keepIncidents: true });
  const [child] = (await ringing).children;
  const story = timeline(child).join('\n');
  assert.equal(child.error, null, story);
  assert.match(path(child), /Acknowledged → PublishOutcome → ReEscalateLater → WaitToReEscalate → CheckStillAcknowledged → WhatNext → CallDutyGroup/, story);
  assert.match(path(child), /CheckStillAcknowledged → WhatNext → ResolvedBySource → PublishOutcome → ReEscalateLater → Done$/, story);
  const waited = child.events.find((e) => e.type === 'StateEntered' && e.state.name === 'WaitToReEscalate');
  assert.equal(waited.state.input.reEscalateSeconds, 60, 'the project\'s minute');
  assert.deepEqual(child.published.map((m) => m.Subject), ['lambda-connect: acknowledged', 'lambda-connect: acknowledged', 'lambda-connect: resolved'], story);
  assert.equal(child.output.outcome.status, 'resolved');
  assert.match(child.output.outcome.summary, /then the source resolved .*db-stuck after the acknowledgement: no re-escalation/);
  const placed = (await local.requests()).filter((r) => r.operation === 'StartOutboundVoiceContact');
  assert.equal(new Set(placed.map((r) => r.body.ClientToken)).size, placed.length, 'each ring has its own ClientToken');
  assert.equal(placed.length, 2 * group.size, 'the group was rung twice');
});

test('the call-start budget spaces the calls of an attempt at the configured rate', async () => {
  await local.configure({ ...MAPPING, CALL_START_RATE_PER_SECOND: '1', CALL_START_BURST: '1' });
  try {
    // Day 5: group1, two numbers, rung at once by the Map; one token a second for both.
    const { run, requests, story } = await escalate({ [G1[0]]: ack(3), [G1[1]]: never }, alert('duty-topic'));
    assert.equal(run.output.outcome.status, 'acknowledged', story);
    const starts = requests.filter((r) => r.operation === 'StartOutboundVoiceContact').map((r) => Date.parse(r.at)).sort();
    assert.equal(starts.length, 2, story);
    assert.ok(starts[1] - starts[0] >= 900, `the second call waited for a token: ${starts[1] - starts[0]} ms apart\n${story}`);
  } finally {
    await local.configure(MAPPING);
  }
});

test('two projects on one roster at once: a phone on one escalation\'s call is rung by the other once that call ends', async () => {
  // Day 5: both projects ring group1 first. duty-topic's calls hold the lines, so second-topic
  // waits for them (CallWaitingNumbers asks again before each poll) instead of ringing a phone
  // that is already ringing or talking; once duty-topic's key press ends its calls, the same
  // person hears the second alert and acknowledges it too.
  const acksAndHangsUp = { behaviour: 'acknowledges', afterSeconds: 2, answerAfterSeconds: 1, hangUpAfterSeconds: 1 };
  await local.script({ [G1[0]]: acksAndHangsUp, [G1[1]]: never, [G2[0]]: never, [G2[1]]: never, [G3[0]]: never });
  const [first, second] = await Promise.all([
    local.run(alert('duty-topic')),
    new Promise((resolve) => setTimeout(resolve, 1500)).then(() => local.run(alert('second-topic'), { keepIncidents: true })),
  ]);
  const story = [first, second].map((run) => timeline(run).join('\n')).join('\n\n');
  for (const run of [first, second]) {
    assert.equal(run.output.outcome.status, 'acknowledged', story);
    assert.equal(run.output.outcome.acknowledgedBy, mask(G1[0]), story);
    assert.equal(run.output.outcome.acknowledgedGroup, 'group1', story);
    assert.equal(run.output.history.length, 1, story);
  }
  assert.match(path(second), /CallDutyGroup → WaitForAnswer → CheckCalls → WhatNext → CallWaitingNumbers → WaitForAnswer/, story);
  assert.doesNotMatch(path(first), /CallWaitingNumbers/, story);
  assert.ok(second.output.history[0].calls.every((c) => c.contactId), `every waiting number was rung in the end\n${story}`);
  const contacts = await (await fetch(`${local.sim.url}/_sim/contacts`)).json();
  for (const number of G1) {
    const calls = dialled(contacts, number).sort((a, b) => Date.parse(a.initiatedAt) - Date.parse(b.initiatedAt));
    assert.equal(calls.length, 2, `${mask(number)} rung once by each escalation\n${story}`);
    assert.ok(calls[0].disconnectedAt && Date.parse(calls[0].disconnectedAt) <= Date.parse(calls[1].initiatedAt),
      `${mask(number)}: the second call started after the first ended\n${JSON.stringify(calls)}\n${story}`);
  }
  for (const number of [...G2, ...G3]) assert.equal(dialled(contacts, number).length, 0, story);
});

test('a test call rings its one number with the test message and reports whether 1 was pressed', async () => {
  const acked = await escalate({ [G3[0]]: ack(2) }, { testCall: G3[0] });
  let { run, contacts, story } = acked;
  assert.match(path(run), /^IsPipeBatch → ReceiveAlert → ResolveRoster → DoesItPage → CallDutyGroup → .* → Acknowledged → PublishOutcome → ReEscalateLater → Done$/, story);
  assert.equal(run.output.outcome.status, 'acknowledged', story);
  assert.equal(run.output.outcome.acknowledgedBy, mask(G3[0]), story);
  assert.equal(run.output.outcome.acknowledgedGroup, 'test call', story);
  assert.deepEqual(contacts.map((c) => c.destination), [G3[0]], story);
  assert.match(contacts[0].attributes.alertMessage, /テスト電話/, story);
  assert.deepEqual(run.published.map((m) => m.Subject), ['lambda-connect: acknowledged'], story);
  assert.deepEqual(await local.incidents(), [], 'a test call is no incident');

  // Busy: reported as not acknowledged; only that number was rung, never the fallback.
  ({ run, contacts, story } = await escalate({ [G3[0]]: busy }, { testCall: G3[0] }));
  assert.equal(run.output.outcome.status, 'nobodyAcknowledged', story);
  assert.deepEqual(contacts.map((c) => c.destination), [G3[0]], story);

  // A number that cannot be read rings nobody, and the outcome names the field.
  ({ run, contacts, story } = await escalate({}, { testCall: '090-1234-5678' }));
  assert.equal(run.output.outcome.status, 'notice', story);
  assert.equal(run.output.outcome.problems[0].location, 'testCall', story);
  assert.deepEqual(contacts, [], story);
});
