// Runs cdk-nag's AwsSolutions and Serverless packs over synthesized CloudFormation templates.
// Usage: node check-templates.mjs <template.json>...
// Prints every unacknowledged error and warning with its resource and rule id; exits 1 if there is any.
//
// Acknowledgments travel in each resource's Metadata in the format cdk-nag itself writes and reads:
//   {"cdk_nag": {"rules_to_suppress": [{"id": "AwsSolutions-IAM5", "reason": "...", "applies_to": ["Resource::*"]}]}}
// CfnInclude keeps that metadata on the included resources, and cdk-nag 2 honours it there directly, so this
// script adds nothing of its own: what passes here passes any cdk-nag run over the same templates.
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const require = createRequire(join(repositoryRoot, 'package.json'));
let cdk, include, nag;
try {
  cdk = require('aws-cdk-lib');
  include = require('aws-cdk-lib/cloudformation-include');
  nag = require('cdk-nag');
} catch (error) {
  console.error(`cdk-nag or aws-cdk-lib is not installed (${error.message}); run \`npm ci\` in ${repositoryRoot}.`);
  process.exit(2);
}

const templates = process.argv.slice(2);
if (templates.length === 0) {
  console.error('usage: node check-templates.mjs <template.json>...');
  process.exit(2);
}

let findings = 0;
for (const templateFile of templates) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-nag-'));
  try {
    findings += check(resolve(templateFile), outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

console.log(findings === 0 ? `cdk-nag: no unacknowledged findings in ${templates.length} template(s)` : `cdk-nag: ${findings} unacknowledged finding(s)`);
process.exit(findings === 0 ? 0 : 1);

function check(templateFile, outdir) {
  const app = new cdk.App({ outdir });
  // The included template brings its own BootstrapVersion parameter and rule.
  const synthesizer = new cdk.DefaultStackSynthesizer({ generateBootstrapVersionRule: false });
  const stack = new cdk.Stack(app, basename(templateFile).replace(/\.template\.json$/, '').replace(/[^A-Za-z0-9-]/g, '-'), { synthesizer });
  new include.CfnInclude(stack, 'Template', { templateFile });

  const found = [];
  const logger = {
    onCompliance() {},
    onNotApplicable() {},
    onSuppressed() {},
    onSuppressedError() {},
    onNonCompliance(data) {
      if (data.ruleLevel === nag.NagMessageLevel.ERROR || data.ruleLevel === nag.NagMessageLevel.WARN) {
        found.push(`${data.ruleLevel} ${data.findingId === '' ? data.ruleId : `${data.ruleId}[${data.findingId}]`} ${data.resource.node.path}: ${data.ruleInfo}`);
      }
    },
    onError(data) {
      found.push(`rule-error ${data.ruleId} ${data.resource.node.path}: ${data.errorMessage}`);
    },
  };
  // Both packs read the same cdk_nag metadata; each finding names its pack in its rule id (AwsSolutions-*, Serverless-*).
  cdk.Aspects.of(app).add(new nag.AwsSolutionsChecks({ reports: false, additionalLoggers: [logger] }));
  cdk.Aspects.of(app).add(new nag.ServerlessChecks({ reports: false, additionalLoggers: [logger] }));
  app.synth();

  // cdk-nag refuses acknowledgments without a reason of at least 10 characters by throwing during synth;
  // anything it still reports is a finding nobody acknowledged.
  for (const line of found) {
    console.log(line);
  }
  return found.length;
}
