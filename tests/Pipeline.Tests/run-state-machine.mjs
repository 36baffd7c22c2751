// Runs one execution of a state machine definition in aws-local-stepfunctions, with every Task state bound to a
// local "task host" over HTTP, and prints the outcome as one JSON line.
//
// Usage: node run-state-machine.mjs <definition.json> <input.json> <task-host-url> [options.json]
//   options.json: { "retryDelayMs": 0, "taskTimeoutSeconds": { "<state>": 1 }, "executionTimeoutSeconds": 2, "executionId": "..." }
//
// Each Task's handler POSTs {"resource", "input"} (the state's effective input, after Parameters) to
// <task-host-url>tasks/<state name>. The host answers {"result": ...} or {"error": "...", "cause": "..."}; an error
// is thrown with that name, so the definition's Retry and Catch apply exactly as they would to a service error.
// Anything else from the host is a harness failure: the execution is aborted and the failure reported.
import { readFileSync } from 'node:fs';
import { StateMachine, ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';

const [definitionFile, inputFile, taskHostUrl, optionsFile] = process.argv.slice(2);
if (!definitionFile || !inputFile || !taskHostUrl) {
  console.error('usage: node run-state-machine.mjs <definition.json> <input.json> <task-host-url> [options.json]');
  process.exit(2);
}

const definition = JSON.parse(readFileSync(definitionFile, 'utf8'));
const input = JSON.parse(readFileSync(inputFile, 'utf8'));
const options = optionsFile ? JSON.parse(readFileSync(optionsFile, 'utf8')) : {};

// A shorter execution timeout lets a test provoke TIMED_OUT without waiting two hours.
if (options.executionTimeoutSeconds !== undefined) {
  definition.TimeoutSeconds = options.executionTimeoutSeconds;
}

// Shorter task timeouts let a test provoke States.Timeout without waiting for the real one.
for (const [state, seconds] of Object.entries(options.taskTimeoutSeconds ?? {})) {
  if (!definition.States[state]) {
    console.error(`taskTimeoutSeconds names '${state}', which is not a state of the definition`);
    process.exit(2);
  }
  definition.States[state].TimeoutSeconds = seconds;
}

class TaskError extends Error {
  constructor(name, cause) {
    super(cause ?? '');
    this.name = name;
  }
}

// Step Functions fails a state whose task output is larger than the payload quota, 256 KiB of UTF-8
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), with States.DataLimitExceeded, a terminal
// error that neither Retry nor a Catch on States.ALL matches
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). aws-local-stepfunctions 3.0.0
// has no payload limit; it reads isRetryable and isCatchable from the error, as it does for its own States.Runtime.
// Relaxed: only a task's output is measured here, not every state's input and output after the path fields.
const payloadQuotaBytes = 256 * 1024;
class DataLimitExceeded extends Error {
  constructor(stateName, bytes) {
    super(`The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit (${bytes} > ${payloadQuotaBytes}).`);
    this.name = 'States.DataLimitExceeded';
    this.isRetryable = false;
    this.isCatchable = false;
  }
}

const harnessErrors = [];
const handlers = {};
const taskStates = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
for (const [name, state] of taskStates) {
  handlers[name] = async (taskInput) => {
    let response;
    try {
      response = await fetch(new URL(`tasks/${encodeURIComponent(name)}`, taskHostUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resource: state.Resource, input: taskInput }),
      });
    } catch (error) {
      return harnessFailure(`task host unreachable for ${name}: ${error.message}`);
    }
    const text = await response.text();
    if (response.status !== 200) {
      return harnessFailure(`task host answered ${response.status} for ${name}: ${text}`);
    }
    const answer = JSON.parse(text);
    if (answer.error !== undefined) {
      throw new TaskError(answer.error, answer.cause);
    }
    const bytes = Buffer.byteLength(JSON.stringify(answer.result ?? null), 'utf8');
    if (bytes > payloadQuotaBytes) {
      throw new DataLimitExceeded(name, bytes);
    }
    return answer.result;
  };
}

let execution;
function harnessFailure(message) {
  harnessErrors.push(message);
  execution.abort();
  return new Promise(() => {});
}

const retryIntervalOverrides = Object.fromEntries(
  Object.entries(definition.States).filter(([, state]) => state.Retry).map(([name]) => [name, options.retryDelayMs ?? 0]));

const stateMachine = new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } });
const executionId = options.executionId ?? `arn:aws:states:us-east-1:123456789012:execution:local:${crypto.randomUUID()}`;
execution = stateMachine.run(input, {
  overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
  context: { Execution: { Id: executionId, Name: executionId.split(':').at(-1) } },
});

const states = [];
const retries = {};
const collectEvents = (async () => {
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered') states.push(event.state.name);
    // A trace on stderr for failure messages: what each state handed on, or why it failed.
    if (event.type === 'StateExited') console.error(`${event.state.name} -> ${JSON.stringify(event.state.output)?.slice(0, 400)}`);
    if (event.type === 'StateFailed') console.error(`${event.state.name} failed: ${event.Error}: ${String(event.Cause).slice(0, 400)}`);
    if (event.type === 'StateRetried') retries[event.state.name] = (retries[event.state.name] ?? 0) + 1;
  }
})();

const outcome = { status: 'SUCCEEDED', output: null, error: null, cause: null };
try {
  outcome.output = await execution.result;
} catch (error) {
  if (error instanceof ExecutionTimeoutError) {
    outcome.status = 'TIMED_OUT';
  } else if (error instanceof ExecutionAbortedError) {
    outcome.status = 'ABORTED';
  } else if (error instanceof ExecutionError) {
    outcome.status = 'FAILED';
    outcome.error = error.cause?.name ?? 'ExecutionError';
    outcome.cause = error.cause?.message ?? error.message;
  } else {
    harnessErrors.push(`the interpreter failed: ${error.stack ?? error}`);
    outcome.status = 'ABORTED';
  }
}

await Promise.race([collectEvents, new Promise((resolve) => setTimeout(resolve, 1000))]);
process.stdout.write(JSON.stringify({ ...outcome, executionId, states, retries, harnessErrors }) + '\n');
// Handlers still waiting on the host (a state that timed out) must not keep the process alive.
process.exit(0);
