using Amazon.CDK;
using ReferenceArchitectures.Cdk;

// Settings come from cdk.json's context and `cdk synth -c key=value`; see ReferenceArchitectureApp.
var app = new App();

// The CLI sets these from the current credentials; without them the stacks stay environment-agnostic.
var account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT");
var region = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_REGION");
var environment = account is null && region is null ? null : new Amazon.CDK.Environment { Account = account, Region = region };

ReferenceArchitectureApp.Build(app, environment);
app.Synth();
