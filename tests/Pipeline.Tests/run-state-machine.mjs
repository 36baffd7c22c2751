// Runs executions of a state machine definition in aws-local-stepfunctions, with every Task state bound to a local
// "task host" over HTTP, and reports each outcome as one JSON line.
//
// Usage: node run-state-machine.mjs <definition.json> <input.json> <task-host-url> [options.json]   (one execution)
//        node run-state-machine.mjs --serve   (many: one request per line on stdin, one outcome per line on stdout)
//   options.json: { "retryDelayMs": 0, "taskTimeoutSeconds": { "<state>": 1 }, "executionTimeoutSeconds": 2, "executionId": "..." }
//   a --serve request: { "id": "...", "definitionFile": "...", "input": {...}, "taskHostUrl": "...", "options": {...} };
//   its answer is the outcome with the same "id". Executions of one process run concurrently, as Step Functions runs
//   the executions of one state machine: one Node.js start for a whole test run instead of one per execution.
//
// Each Task's handler POSTs {"resource", "input"} (the state's effective input, after Parameters) to
// <task-host-url>tasks/<state name>. The host answers {"result": ...} or {"error": "...", "cause": "..."}; an error
// is thrown with that name, so the definition's Retry and Catch apply exactly as they would to a service error.
// Anything else from the host is a harness failure: the execution is aborted and the failure reported.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { StateMachine, ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';

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

// One execution to its end. Returns the outcome; a harness failure (not a pipeline outcome) is in harnessErrors.
async function runExecution(originalDefinition, input, taskHostUrl, options) {
  const definition = structuredClone(originalDefinition);
  const harnessErrors = [];
  const trace = [];

  // A shorter execution timeout lets a test provoke TIMED_OUT without waiting two hours.
  if (options.executionTimeoutSeconds !== undefined) {
    definition.TimeoutSeconds = options.executionTimeoutSeconds;
  }

  // Shorter task timeouts let a test provoke States.Timeout without waiting for the real one.
  for (const [state, seconds] of Object.entries(options.taskTimeoutSeconds ?? {})) {
    if (!definition.States[state]) {
      harnessErrors.push(`taskTimeoutSeconds names '${state}', which is not a state of the definition`);
      return { status: 'ABORTED', output: null, error: null, cause: null, executionId: options.executionId ?? null, states: [], retries: {}, harnessErrors, trace: '' };
    }
    definition.States[state].TimeoutSeconds = seconds;
  }

  let execution;
  const harnessFailure = (message) => {
    harnessErrors.push(message);
    execution.abort();
    return new Promise(() => {});
  };

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
      // A trace for failure messages: what each state handed on, or why it failed.
      if (event.type === 'StateExited') trace.push(`${event.state.name} -> ${JSON.stringify(event.state.output)?.slice(0, 400)}`);
      if (event.type === 'StateFailed') trace.push(`${event.state.name} failed: ${event.Error}: ${String(event.Cause).slice(0, 400)}`);
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

  // Handlers still waiting on the host (a state that timed out) are left to end on their own.
  await Promise.race([collectEvents, new Promise((resolve) => setTimeout(resolve, 1000))]);
  return { ...outcome, executionId, states, retries, harnessErrors, trace: trace.join('\n') };
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

if (process.argv[2] === '--serve') {
  const definitions = new Map();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const running = new Set();
  for await (const line of lines) {
    if (!line.trim()) continue;
    let request;
    try {
      request = JSON.parse(line);
    } catch (error) {
      process.stdout.write(JSON.stringify({ id: null, harnessErrors: [`not a JSON request: ${error.message}`] }) + '\n');
      continue;
    }
    const run = (async () => {
      let answer;
      try {
        if (!definitions.has(request.definitionFile)) definitions.set(request.definitionFile, readJson(request.definitionFile));
        answer = await runExecution(definitions.get(request.definitionFile), request.input, request.taskHostUrl, request.options ?? {});
      } catch (error) {
        answer = { harnessErrors: [`the runner failed: ${error.stack ?? error}`] };
      }
      process.stdout.write(JSON.stringify({ ...answer, id: request.id }) + '\n');
    })();
    running.add(run);
    run.finally(() => running.delete(run));
  }
  // stdin closed: the test process is done (or gone). Let what is running finish briefly, then stop: a handler still
  // waiting on a host that has gone must not keep the process alive.
  await Promise.race([Promise.allSettled([...running]), new Promise((resolve) => setTimeout(resolve, 5000))]);
  process.exit(0);
} else {
  const [definitionFile, inputFile, taskHostUrl, optionsFile] = process.argv.slice(2);
  if (!definitionFile || !inputFile || !taskHostUrl) {
    console.error('usage: node run-state-machine.mjs <definition.json> <input.json> <task-host-url> [options.json] | --serve');
    process.exit(2);
  }
  const { trace, ...outcome } = await runExecution(readJson(definitionFile), readJson(inputFile), taskHostUrl, optionsFile ? readJson(optionsFile) : {});
  console.error(trace);
  process.stdout.write(JSON.stringify(outcome) + '\n');
  // Handlers still waiting on the host (a state that timed out) must not keep the process alive.
  process.exit(outcome.harnessErrors.some((error) => error.startsWith('taskTimeoutSeconds')) ? 2 : 0);
}
