// What one fully exhausted escalation costs: runs it on the local runner (the real ASL, the real
// functions, the S3 server, the Connect simulator) and counts what AWS bills, the state
// transitions of every execution it took (the Pipe's batch execution and the escalation) and
// the Lambda invocations with their durations, then prices them. See `--help`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFINITION, LocalEscalation, ROOT } from './harness.mjs';

/** List prices, us-east-1, November 2026. The free tiers are left out. */
const PRICES = {
  /** Step Functions STANDARD: per state transition ($0.025 per 1,000). */
  transition: 0.025 / 1000,
  /** Lambda: per request ($0.20 per million). */
  request: 0.2 / 1e6,
  /** Lambda on arm64: per GB-second of billed duration (1 ms granularity). */
  gbSecond: 0.0000133334,
};

/** The defaults an escalation runs with (README: escalation settings; Connect's dialing timeout). */
const DEFAULTS = { interval: 60, poll: 15, ring: 60 };

const USAGE = `usage: tests/local/cost.sh [options]

Runs one escalation that nobody acknowledges to its end (samplejson/resolve-roster.pipe.json:
projectA's roster, 3 groups, CALL_REPEAT_COUNT rounds; every callee lets the phone ring until
Connect's dialing timeout) and prints the state transitions, Lambda invocations and what they
cost at list prices.

  --rounds N        CALL_REPEAT_COUNT (default 3: 3 groups x 3 rounds)
  --interval S      CALL_STATE_CHECK_INTERVAL_SECONDS (default ${DEFAULTS.interval})
  --poll S          CALL_POLL_INTERVAL_SECONDS (default ${DEFAULTS.poll})
  --ring S          how long an unanswered phone rings (default ${DEFAULTS.ring}, Connect's dialing timeout)
  --definition F    run this workflow definition instead of the deployed one (a path in the
                    repository, e.g. an earlier one to compare with)
  --scale K         divides the three durations by K so the run takes 1/K of the time
                    (default 5; 1 runs in real time). Transitions and invocations depend on
                    the ratios of the durations, which the scale keeps; each duration must
                    divide by K.
  -h, --help`;

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      interval: { type: 'string', default: String(DEFAULTS.interval) },
      poll: { type: 'string', default: String(DEFAULTS.poll) },
      ring: { type: 'string', default: String(DEFAULTS.ring) },
      scale: { type: 'string', default: '5' },
      definition: { type: 'string', default: DEFINITION },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const number = (name) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} ${values[name]}: expected a whole number of 1 or more`);
    return value;
  };
  const scale = number('scale');
  const scaled = (name) => {
    const value = number(name);
    if (value % scale !== 0) throw new Error(`--${name} ${value} does not divide by --scale ${scale}`);
    return value / scale;
  };
  return { definition: values.definition, rounds: number('rounds'), scale, interval: scaled('interval'), poll: scaled('poll'), ring: scaled('ring') };
}

/** State transitions of one execution and of the executions it started. */
function transitions(run) {
  const own = run.events.filter((e) => e.type === 'StateEntered' || e.type === 'StateRetried').length;
  return own + run.children.reduce((sum, child) => sum + transitions(child), 0);
}

function calls(run) {
  return run.children.reduce((sum, child) => sum + calls(child), run.output?.outcome?.callsPlaced ?? 0);
}

async function main() {
  const settings = options();
  if (!settings) {
    console.log(USAGE);
    return;
  }
  const input = JSON.parse(readFileSync(join(ROOT, 'samplejson/resolve-roster.pipe.json'), 'utf8'));
  const roster = JSON.parse(readFileSync(join(ROOT, 'samplejson/projectA-phoneNumber.json'), 'utf8'));
  const numbers = roster.flatMap((group) => group.phoneNumber);
  const local = await LocalEscalation.start({
    MAPPING_JSON_FILE: 'mapping.json',
    CALL_REPEAT_COUNT: String(settings.rounds),
    CALL_STATE_CHECK_INTERVAL_SECONDS: String(settings.interval),
    CALL_POLL_INTERVAL_SECONDS: String(settings.poll),
  });
  try {
    await local.script(Object.fromEntries(numbers.map((n) => [n, { behaviour: 'neverAnswers', ringSeconds: settings.ring }])));
    local.lambda.takeUsage();
    const run = await local.run(input, { definition: settings.definition });
    const escalation = run.children[0];
    const status = escalation?.output?.outcome?.status;
    if (status !== 'nobodyAcknowledged') {
      const why = status ?? (escalation?.error ? `${escalation.error.name}: ${escalation.error.message}` : 'without starting');
      throw new Error(`the escalation ended ${why}, not nobodyAcknowledged; logs: ${local.logDir}`);
    }
    const usage = local.lambda.takeUsage();
    const count = transitions(run);
    const rows = Object.entries(usage).filter(([, invocations]) => invocations.length > 0).map(([name, invocations]) => {
      const billedMs = invocations.reduce((sum, i) => sum + Math.max(1, Math.ceil(i.durationMs)), 0);
      const gbSeconds = invocations.reduce((sum, i) => sum + (Math.max(1, Math.ceil(i.durationMs)) / 1000) * (i.memoryMB / 1024), 0);
      return { name, invocations: invocations.length, billedMs, cost: invocations.length * PRICES.request + gbSeconds * PRICES.gbSecond };
    });
    const invocations = rows.reduce((sum, r) => sum + r.invocations, 0);
    const lambdaCost = rows.reduce((sum, r) => sum + r.cost, 0);
    const stepCost = count * PRICES.transition;
    const attempts = escalation.output.history.length;
    const s = settings.scale;
    console.log(`${settings.definition}: exhausted escalation: ${attempts} attempts, ${calls(run)} calls placed, nobody acknowledged`);
    console.log(`settings: interval ${settings.interval * s} s, poll ${settings.poll * s} s, unanswered phones ring ${settings.ring * s} s` +
      (s === 1 ? '' : ` (run at 1/${s} time: ${settings.interval} s, ${settings.poll} s, ${settings.ring} s)`));
    console.log('');
    console.log('| what | count | cost (USD) |');
    console.log('|---|---:|---:|');
    console.log(`| Step Functions state transitions (both executions) | ${count} | ${stepCost.toFixed(6)} |`);
    for (const row of rows) console.log(`| Lambda ${row.name}: invocations (billed ms) | ${row.invocations} (${row.billedMs}) | ${row.cost.toFixed(6)} |`);
    console.log(`| **total** (${invocations} invocations) | | **${(stepCost + lambdaCost).toFixed(6)}** |`);
  } finally {
    await local.stop();
  }
}

main().catch((err) => {
  console.error(`cost: ${err.message}`);
  process.exitCode = 1;
});
