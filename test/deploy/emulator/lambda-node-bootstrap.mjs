// Calls a Node.js Lambda handler the way the Lambda runtime does: imports the module named by the handler setting
// from the task directory, awaits `handler(event, context)`, and writes the result (or the error, as Lambda
// reports it) as JSON to the result file. Exits 1 when the handler threw, so the emulator reports a function error.
//
// Usage: node lambda-node-bootstrap.mjs TASK_DIR OPT_DIR HANDLER EVENT_FILE RESULT_FILE
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [taskDir, , handlerSetting, eventFile, resultFile] = process.argv.slice(2);
const dot = handlerSetting.lastIndexOf('.');
const moduleName = handlerSetting.slice(0, dot);
const exportName = handlerSetting.slice(dot + 1);
const deadline = Date.now() + Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT) * 1000;

const context = {
  awsRequestId: process.env.WIREFEED_EMULATOR_REQUEST_ID,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
};

function report(value, failed) {
  writeFileSync(resultFile, JSON.stringify(value ?? null));
  // Lambda freezes the sandbox after the handler returns; exiting is the closest a one-shot process gets.
  process.exit(failed ? 1 : 0);
}

try {
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(taskDir, moduleName + ext)).find((path) => existsSync(path));
  if (file === undefined) throw new Error(`Cannot find module '${moduleName}' in ${taskDir}`);
  const handler = (await import(pathToFileURL(file).href))[exportName];
  if (typeof handler !== 'function') throw new Error(`${handlerSetting} is not a function`);
  const event = JSON.parse(readFileSync(eventFile, 'utf8'));
  report(await handler(event, context), false);
} catch (error) {
  console.error(error);
  report(
    {
      errorType: error?.name ?? 'Error',
      errorMessage: error?.message ?? String(error),
      trace: String(error?.stack ?? '').split('\n'),
    },
    true,
  );
}
