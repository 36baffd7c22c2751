using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.HybridPipeline;
using States = ReferenceArchitectures.Cdk.HybridPipeline.HybridPipelineStack.StateNames;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Pattern 4 with its default props: the state machine's behaviour, the roles' scope, the storage settings.</summary>
[Collection(SynthesizedApp.Name)]
public sealed class HybridPipelineStackTests(SynthesizedAppFixture app)
{
    private const string LambdaInvoke = "arn:${AWS::Partition}:states:::lambda:invoke";
    private static readonly string[] LambdaTaskStates = [States.Preprocess, States.Analyze, States.Store, States.RecordFailure];

    private readonly TemplateQuery template = new(app.HybridPipeline.Json);

    private JsonObject Definition => HybridPipelineDefinition.Of(template);

    private JsonObject State(string name) => Definition["States"]![name]!.AsObject();

    private IEnumerable<KeyValuePair<string, JsonNode?>> TaskStates => Definition["States"]!.AsObject().Where(state => (string?)state.Value!["Type"] == "Task");

    [Fact]
    public void Route_sends_accepted_documents_within_all_thresholds_to_lambda_and_the_rest_to_fargate()
    {
        var route = State(States.Route);
        var choices = route["Choices"]!.AsArray();

        var light = choices.Single(choice => (string?)choice!["Next"] == States.Analyze)!.ToJsonString();
        Assert.Contains("\"Variable\":\"$.document.bytes\",\"NumericLessThanEquals\":1048576", light, StringComparison.Ordinal);
        Assert.Contains("\"Variable\":\"$.document.pages\",\"NumericLessThanEquals\":100", light, StringComparison.Ordinal);
        Assert.Contains("\"Variable\":\"$.document.characters\",\"NumericLessThanEquals\":1000000", light, StringComparison.Ordinal);
        Assert.Contains("\"StringEquals\":\"accepted\"", light, StringComparison.Ordinal);
        Assert.Equal(
            [States.AlreadyProcessed, States.Store, States.Analyze, States.AnalyzeLargeDocument],
            choices.Select(choice => (string)choice!["Next"]!));
        Assert.Equal(States.UnexpectedPreprocessStatus, (string?)route["Default"]);
    }

    [Fact]
    public void Thresholds_come_from_the_props()
    {
        var props = HybridPipelineTestApp.DefaultProps();
        var custom = new HybridPipelineStackProps { LightMaxBytes = 5_000_000, LightMaxPages = 120, LightMaxCharacters = 333_333, FunctionCode = props.FunctionCode, WorkerImage = props.WorkerImage };

        var definition = HybridPipelineDefinition.Of(new TemplateQuery(HybridPipelineTestApp.Synthesize(custom).Json));

        var light = definition["States"]![States.Route]!["Choices"]!.AsArray().Single(choice => (string?)choice!["Next"] == States.Analyze)!.ToJsonString();
        Assert.Contains("\"NumericLessThanEquals\":5000000", light, StringComparison.Ordinal);
        Assert.Contains("\"NumericLessThanEquals\":120", light, StringComparison.Ordinal);
        Assert.Contains("\"NumericLessThanEquals\":333333", light, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_task_retries_with_backoff_jitter_and_a_bounded_number_of_attempts()
    {
        Assert.Equal(6, TaskStates.Count());
        Assert.All(TaskStates, state =>
        {
            var retriers = state.Value!["Retry"]!.AsArray();
            Assert.NotEmpty(retriers);
            Assert.All(retriers, retrier =>
            {
                Assert.Equal("FULL", (string?)retrier!["JitterStrategy"]);
                Assert.InRange((double)retrier["BackoffRate"]!, 2, 2);
                Assert.InRange((int)retrier["MaxAttempts"]!, 1, 6);
                Assert.NotNull(retrier["MaxDelaySeconds"]);
            });
        });
    }

    [Fact]
    public void Lambda_tasks_retry_lambda_service_errors_and_throttling()
    {
        Assert.All(LambdaTaskStates, name =>
        {
            Assert.Equal(LambdaInvoke, TemplateQuery.Render(State(name)["Resource"]));
            var errors = State(name)["Retry"]![0]!["ErrorEquals"]!.AsArray().Select(error => (string)error!);
            Assert.Equal(HybridPipelineStack.LambdaServiceErrors.Order(), errors.Order());
            Assert.Contains("Lambda.TooManyRequestsException", errors);
        });
    }

    [Fact]
    public void Analyze_retries_bedrock_throttling_that_outlasts_the_client()
    {
        var retrier = State(States.Analyze)["Retry"]!.AsArray().Single(item => item!["ErrorEquals"]![0]!.ToString() == HybridPipelineStack.BedrockThrottledError)!;

        Assert.True((int)retrier["IntervalSeconds"]! >= 10, "Bedrock throttling waits longer than a Lambda service error.");
    }

    [Fact]
    public void Every_task_but_the_last_resort_catches_everything_into_RecordFailure_keeping_its_input()
    {
        foreach (var (name, state) in TaskStates.Where(task => task.Key is not (States.RecordFailure or States.SendToDeadLetterQueue)))
        {
            var catcher = Assert.Single(state!["Catch"]!.AsArray())!;
            Assert.Equal(["States.ALL"], catcher["ErrorEquals"]!.AsArray().Select(error => (string)error!));
            Assert.Equal(States.RecordFailure, (string?)catcher["Next"]);
            Assert.True((string?)catcher["ResultPath"] == "$.failure", $"{name} must keep its input and add the error at $.failure.");
        }

        var recordFailure = State(States.RecordFailure);
        Assert.Equal(States.SendToDeadLetterQueue, (string?)recordFailure["Catch"]![0]!["Next"]);
        Assert.Equal(States.FailureRecorded, (string?)recordFailure["Next"]);
        // RecordFailure reports a result that was already recorded (a step whose response was lost after it wrote it):
        // that execution succeeds; every other ends in the Fail state.
        var recorded = State(States.FailureRecorded);
        Assert.Equal(States.ResultRecordedBeforeTheError, (string?)recorded["Choices"]![0]!["Next"]);
        Assert.Equal(["COMPLETED", "REJECTED"], recorded["Choices"]![0]!["Or"]!.AsArray().Select(c => (string)c!["StringEquals"]!));
        Assert.Equal(States.ProcessingFailed, (string?)recorded["Default"]);
        Assert.Equal("Fail", (string?)State(States.ProcessingFailed)["Type"]);
    }

    [Fact]
    public void Every_task_and_the_execution_have_timeouts_and_lambda_tasks_outlast_their_functions()
    {
        var functionTimeouts = template.OfType("AWS::Lambda::Function")
            .Where(function => function.Key.StartsWith("Custom", StringComparison.Ordinal) == false)
            .ToDictionary(function => (string)function.Value["Properties"]!["Handler"]!, function => (int)function.Value["Properties"]!["Timeout"]!);

        Assert.All(TaskStates, state => Assert.NotNull(state.Value!["TimeoutSeconds"]));
        Assert.True((int)State(States.Preprocess)["TimeoutSeconds"]! > functionTimeouts[HybridPipelineStack.PreprocessHandler]);
        Assert.True((int)State(States.Analyze)["TimeoutSeconds"]! > functionTimeouts[HybridPipelineStack.AnalyzeHandler]);
        Assert.True((int)State(States.Store)["TimeoutSeconds"]! > functionTimeouts[HybridPipelineStack.StoreHandler]);
        Assert.Equal(3600, (int)State(States.AnalyzeLargeDocument)["TimeoutSeconds"]!);
    }

    // The rule, read from the definition alone: a Task state runs at most 1 + Σ MaxAttempts times (MaxAttempts defaults to
    // 3), each attempt up to TimeoutSeconds, and waits IntervalSeconds × BackoffRate^(n-1), at most MaxDelaySeconds, before
    // the n-th retry of each retrier (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
    // The execution's TimeoutSeconds must cover the slowest way from StartAt to an end, over Next, Choices, Default and Catch.
    [Fact]
    public void Execution_timeout_covers_every_retry_of_every_state_on_the_slowest_way_through()
    {
        var states = Definition["States"]!.AsObject();
        var memo = new Dictionary<string, double>();

        double Worst(JsonNode state)
        {
            if ((string?)state["Type"] != "Task")
            {
                return 0;
            }

            var retries = state["Retry"]?.AsArray() ?? [];
            var attempts = 1 + retries.Sum(r => (int?)r!["MaxAttempts"] ?? 3);
            var waits = retries.Sum(r => Enumerable.Range(0, (int?)r!["MaxAttempts"] ?? 3).Sum(n =>
                Math.Min(((int?)r["IntervalSeconds"] ?? 1) * Math.Pow((double?)r["BackoffRate"] ?? 2, n), (int?)r["MaxDelaySeconds"] ?? double.MaxValue)));
            return attempts * (int)state["TimeoutSeconds"]! + waits;
        }

        double Slowest(string name)
        {
            if (memo.TryGetValue(name, out var known))
            {
                return known;
            }

            var state = states[name]!;
            IEnumerable<string?> next = [(string?)state["Next"], (string?)state["Default"],
                .. (state["Choices"]?.AsArray() ?? []).Select(c => (string?)c!["Next"]), .. (state["Catch"]?.AsArray() ?? []).Select(c => (string?)c!["Next"])];
            return memo[name] = Worst(state) + next.OfType<string>().Select(Slowest).DefaultIfEmpty(0).Max();
        }

        var slowest = Slowest((string)Definition["StartAt"]!);

        Assert.True((int)Definition["TimeoutSeconds"]! >= slowest, $"TimeoutSeconds {(int)Definition["TimeoutSeconds"]!} < worst case {slowest:0} s");
        Assert.True((int)Definition["TimeoutSeconds"]! < slowest + 60, "The default is the smallest whole minute that covers it.");
    }

    [Fact]
    public void Large_documents_run_as_a_fargate_task_waited_on_with_sync_in_private_subnets()
    {
        var heavy = State(States.AnalyzeLargeDocument);
        var parameters = heavy["Parameters"]!;

        Assert.Equal("arn:${AWS::Partition}:states:::ecs:runTask.sync", TemplateQuery.Render(heavy["Resource"]));
        Assert.Equal("FARGATE", (string?)parameters["LaunchType"]);
        // Left out, AssignPublicIp is DISABLED (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html).
        Assert.Null(parameters["NetworkConfiguration"]!["AwsvpcConfiguration"]!["AssignPublicIp"]);
        var subnets = parameters["NetworkConfiguration"]!["AwsvpcConfiguration"]!["Subnets"]!.AsArray().Select(TemplateQuery.Render);
        Assert.All(subnets, subnet => Assert.Contains("PrivateSubnet", subnet, StringComparison.Ordinal));
        var overrides = parameters["Overrides"]!["ContainerOverrides"]![0]!;
        Assert.Equal(HybridPipelineStack.WorkerContainerName, (string?)overrides["Name"]);
        Assert.Equal(
            ["DOCUMENT_BUCKET=$.document.bucket", "DOCUMENT_KEY=$.document.key", "DOCUMENT_VERSION_ID=$.document.versionId"],
            overrides["Environment"]!.AsArray().Select(variable => $"{variable!["Name"]}={variable["Value.$"]}"));
        Assert.Equal("$.analysis", (string?)heavy["ResultPath"]);
    }

    [Fact]
    public void Worker_gets_its_settings_and_logs_to_its_own_group()
    {
        var container = Assert.Single(template.OfType("AWS::ECS::TaskDefinition").Values.Single()["Properties"]!["ContainerDefinitions"]!.AsArray())!;

        Assert.Equal(
            ["BEDROCK_MODEL_ID", "DOCUMENT_CATEGORIES", "MAX_PARALLEL_CALLS", "OUTPUT_BUCKET"],
            container["Environment"]!.AsArray().Select(variable => (string)variable!["Name"]!).Order());
        Assert.Equal("awslogs", (string?)container["LogConfiguration"]!["LogDriver"]);
    }

    [Fact]
    public void Preprocess_reads_only_incoming_objects_and_claims_in_the_table()
    {
        var function = template.FunctionWithHandler(HybridPipelineStack.PreprocessHandler);

        var (s3Actions, s3Resources) = template.Grants(function, "s3:");
        var (dynamoActions, dynamoResources) = template.Grants(function, "dynamodb:");

        Assert.Equal(["s3:GetObjectVersion"], s3Actions.Order());
        Assert.Equal(["${InputBucket3BF8630A.Arn}/incoming/*"], s3Resources);
        Assert.Equal(["dynamodb:PutItem"], dynamoActions.Order());
        Assert.Equal(["${DocumentTable9FE6D880.Arn}"], dynamoResources);
        Assert.Empty(template.Grants(function, "bedrock:").Actions);
        Assert.Empty(template.Grants(function, "sqs:").Actions);
    }

    [Fact]
    public void Analyze_invokes_only_the_configured_model_and_writes_only_results()
    {
        var function = template.FunctionWithHandler(HybridPipelineStack.AnalyzeHandler);

        var (bedrockActions, bedrockResources) = template.Grants(function, "bedrock:");
        var writes = template.StatementsOfFunction(function).Where(statement => TemplateQuery.Strings(statement["Action"]).Contains("s3:PutObject")).ToList();

        Assert.Equal(["bedrock:InvokeModel"], bedrockActions);
        Assert.Equal(["arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/amazon.nova-lite-v1:0"], bedrockResources);
        Assert.Equal(["${OutputBucket7114EB27.Arn}/results/*"], writes.Select(statement => TemplateQuery.Render(statement["Resource"])));
        Assert.Empty(template.Grants(function, "dynamodb:").Actions);
    }

    [Fact]
    public void Store_and_record_failure_touch_only_the_table_and_the_dead_letter_queue()
    {
        var store = template.FunctionWithHandler(HybridPipelineStack.StoreHandler);
        var recordFailure = template.FunctionWithHandler(HybridPipelineStack.RecordFailureHandler);

        Assert.Equal(["dynamodb:GetItem", "dynamodb:UpdateItem"], template.Grants(store, "dynamodb:").Actions.Order());
        Assert.Empty(template.Grants(store, "bedrock:").Actions);
        Assert.Empty(template.Grants(store, "sqs:").Actions);
        Assert.Equal(["sqs:SendMessage"], template.Grants(recordFailure, "sqs:").Actions);
        Assert.Equal(["${DeadLetterQueue9F481546.Arn}"], template.Grants(recordFailure, "sqs:").Resources);
        Assert.Empty(template.Grants(recordFailure, "s3:").Actions);
        var variables = template.Resource(recordFailure)["Properties"]!["Environment"]!["Variables"]!.AsObject();
        Assert.Equal(["BEDROCK_MODEL_ID", "DEAD_LETTER_QUEUE_URL", "DOCUMENT_CATEGORIES", "OUTPUT_BUCKET", "TABLE_NAME"], variables.Select(variable => variable.Key).Order());
    }

    [Fact]
    public void Worker_task_role_reads_incoming_writes_results_and_embeddings_and_invokes_the_model()
    {
        var statements = HybridPipelineDefinition.StatementsOfRole(template, "WorkerTaskRole013F226A");

        Assert.Equal(
            ["bedrock:InvokeModel", "s3:GetObjectVersion", "s3:PutObject"],
            statements.SelectMany(statement => TemplateQuery.Strings(statement["Action"])).Order());
        Assert.Equal(
            ["${OutputBucket7114EB27.Arn}/embeddings/*", "${OutputBucket7114EB27.Arn}/results/*"],
            statements.Where(statement => TemplateQuery.Strings(statement["Action"]).Contains("s3:PutObject"))
                .SelectMany(statement => statement["Resource"]!.AsArray().Select(TemplateQuery.Render)).Order());
    }

    [Fact]
    public void State_machine_role_invokes_only_the_pipeline_functions_and_runs_only_the_worker()
    {
        var statements = HybridPipelineDefinition.StatementsOfRole(template, "DocumentPipelineRoleA52082C6");

        var invoked = statements.Where(statement => TemplateQuery.Strings(statement["Action"]).Contains("lambda:InvokeFunction"))
            .SelectMany(statement => statement["Resource"]!.AsArray().Select(TemplateQuery.Render)).ToList();
        var runTask = statements.Single(statement => TemplateQuery.Strings(statement["Action"]).SequenceEqual(["ecs:RunTask"]));
        var passRole = statements.Single(statement => TemplateQuery.Strings(statement["Action"]).SequenceEqual(["iam:PassRole"]));

        Assert.Equal(8, invoked.Count);
        Assert.All(invoked, arn => Assert.Matches("^\\$\\{(Preprocess|Analyze|Store|RecordFailure)Function[0-9A-F]{8}\\.Arn\\}(:\\*)?$", arn));
        Assert.Contains("WorkerTaskCBB1FEE3", runTask["Resource"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(["${WorkerTaskExecutionRole9C03D68C.Arn}", "${WorkerTaskRole013F226A.Arn}"], passRole["Resource"]!.AsArray().Select(TemplateQuery.Render).Order());
    }

    [Fact]
    public void Input_bucket_is_versioned_encrypted_private_ssl_only_and_notifies_eventbridge()
    {
        var bucket = template.Resource("InputBucket3BF8630A")["Properties"]!;

        Assert.Equal("Enabled", (string?)bucket["VersioningConfiguration"]!["Status"]);
        Assert.True((bool)bucket["NotificationConfiguration"]!["EventBridgeConfiguration"]!["EventBridgeEnabled"]!);
        Assert.Equal(30, (int)bucket["LifecycleConfiguration"]!["Rules"]![0]!["NoncurrentVersionExpiration"]!["NoncurrentDays"]!);
        Assert.Equal("${AccessLogsBucket83982689}", TemplateQuery.Render(bucket["LoggingConfiguration"]!["DestinationBucketName"]));
        AssertEncryptedPrivateAndSslOnly("InputBucket3BF8630A");
    }

    [Fact]
    public void Output_bucket_is_encrypted_private_and_ssl_only() => AssertEncryptedPrivateAndSslOnly("OutputBucket7114EB27");

    [Fact]
    public void Table_is_on_demand_with_point_in_time_recovery_and_encryption()
    {
        var table = template.Resource("DocumentTable9FE6D880")["Properties"]!;

        Assert.Equal("PAY_PER_REQUEST", (string?)table["BillingMode"]);
        Assert.True((bool)table["PointInTimeRecoverySpecification"]!["PointInTimeRecoveryEnabled"]!);
        Assert.True((bool)table["SSESpecification"]!["SSEEnabled"]!);
        Assert.Equal("pk", (string?)table["KeySchema"]![0]!["AttributeName"]);
        Assert.Equal("S", (string?)table["AttributeDefinitions"]![0]!["AttributeType"]);
    }

    [Fact]
    public void Dead_letter_queue_is_encrypted_ssl_only_and_keeps_messages_fourteen_days()
    {
        var queue = template.Resource("DeadLetterQueue9F481546")["Properties"]!;
        var policy = template.OfType("AWS::SQS::QueuePolicy").Values
            .Single(p => TemplateQuery.Render(p["Properties"]!["Queues"]![0]) == "${DeadLetterQueue9F481546}")["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray();

        Assert.True((bool)queue["SqsManagedSseEnabled"]!);
        Assert.Equal(14 * 24 * 3600, (int)queue["MessageRetentionPeriod"]!);
        Assert.Contains(policy, statement => (string?)statement!["Effect"] == "Deny" && statement["Condition"]!.ToJsonString().Contains("\"aws:SecureTransport\":\"false\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Uploads_under_incoming_are_queued_and_wake_the_gate_and_undeliverable_events_are_dead_lettered()
    {
        var rule = template.Resource("DocumentUploaded360A399E")["Properties"]!;
        var targets = rule["Targets"]!.AsArray();

        Assert.Equal("[\"aws.s3\"]", rule["EventPattern"]!["source"]!.ToJsonString());
        Assert.Equal("[\"Object Created\"]", rule["EventPattern"]!["detail-type"]!.ToJsonString());
        Assert.Equal("[{\"prefix\":\"incoming/\"}]", rule["EventPattern"]!["detail"]!["object"]!["key"]!.ToJsonString());
        // No target starts the state machine: only the gate does, once a slot is free.
        Assert.Equal(["${ExecutionGateFunction81ED4F5E.Arn}", "${UploadQueueA4421744.Arn}"], targets.Select(t => TemplateQuery.Render(t!["Arn"])).Order(StringComparer.Ordinal));
        var queueTarget = targets.Single(t => TemplateQuery.Render(t!["Arn"]) == "${UploadQueueA4421744.Arn}")!;
        Assert.Equal("${DeadLetterQueue9F481546.Arn}", TemplateQuery.Render(queueTarget["DeadLetterConfig"]!["Arn"]));
        var uploads = template.Resource("UploadQueueA4421744")["Properties"]!;
        Assert.Equal("${DeadLetterQueue9F481546.Arn}", TemplateQuery.Render(uploads["RedrivePolicy"]!["deadLetterTargetArn"]));
    }

    [Fact]
    public void The_gate_is_woken_by_every_execution_end_and_every_minute_and_runs_one_at_a_time()
    {
        var ended = template.Resource("ExecutionEndedCD26BCE0")["Properties"]!;
        var schedule = template.Resource("ExecutionGateSchedule1FBC818C")["Properties"]!;
        var gate = template.Resource("ExecutionGateFunction81ED4F5E")["Properties"]!;

        Assert.Equal(["ABORTED", "FAILED", "SUCCEEDED", "TIMED_OUT"], ended["EventPattern"]!["detail"]!["status"]!.AsArray().Select(s => (string)s!).Order(StringComparer.Ordinal));
        Assert.Equal("${ExecutionGateFunction81ED4F5E.Arn}", TemplateQuery.Render(Assert.Single(ended["Targets"]!.AsArray())!["Arn"]));
        Assert.Equal("rate(1 minute)", (string?)schedule["ScheduleExpression"]);
        Assert.Equal(1, (int)gate["ReservedConcurrentExecutions"]!);
        Assert.Equal("10", TemplateQuery.Render(gate["Environment"]!["Variables"]!["MAX_RUNNING_EXECUTIONS"]));
    }

    // The terminal statuses of a Standard execution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html):
    // SUCCEEDED is a recorded result (Completed, AlreadyProcessed); every other end reaches the dead-letter queue, FAILED
    // included, since States.Runtime and States.DataLimitExceeded fail an execution past every Catch on States.ALL.
    [Fact]
    public void Every_execution_that_does_not_succeed_goes_to_the_dead_letter_queue()
    {
        var rule = template.Resource("ExecutionEndedUnrecorded2A05AC42")["Properties"]!;
        string[] terminal = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

        var matched = rule["EventPattern"]!["detail"]!["status"]!.AsArray().Select(status => (string)status!).ToList();

        Assert.Equal(terminal.Except(["SUCCEEDED"]).Order(), matched.Order());
        Assert.Equal(["Step Functions Execution Status Change"], rule["EventPattern"]!["detail-type"]!.AsArray().Select(type => (string)type!));
        Assert.Equal("[\"aws.states\"]", rule["EventPattern"]!["source"]!.ToJsonString());
        Assert.Equal("${DocumentPipelineB796BC10}", TemplateQuery.Render(rule["EventPattern"]!["detail"]!["stateMachineArn"]![0]));
        Assert.Equal("${DeadLetterQueue9F481546.Arn}", TemplateQuery.Render(rule["Targets"]![0]!["Arn"]));
    }

    [Fact]
    public void Only_an_upload_event_with_bucket_key_version_id_and_size_reaches_preprocess()
    {
        var check = State(States.CheckUploadEvent);
        var choices = check["Choices"]!.AsArray();
        string[] paths = ["$.detail.bucket.name", "$.detail.object.key", "$.detail.object.version-id", "$.detail.object.size"];

        Assert.Equal(States.CheckUploadEvent, (string?)Definition["StartAt"]);
        // Presence first, one rule per path, each before the rule that compares types (a comparison of a missing path
        // is States.Runtime); then the types; anything else is recorded as a failure.
        for (var i = 0; i < paths.Length; i++)
        {
            Assert.Equal(paths[i], (string?)choices[i]!["Not"]!["Variable"]);
            Assert.True((bool)choices[i]!["Not"]!["IsPresent"]!);
            Assert.Equal(States.NotAVersionedUpload, (string?)choices[i]!["Next"]);
        }

        Assert.Equal(States.Preprocess, (string?)choices[paths.Length]!["Next"]);
        Assert.Equal(paths.Length + 1, choices.Count);
        Assert.Equal(States.NotAVersionedUpload, (string?)check["Default"]);
        Assert.Equal(States.RecordFailure, (string?)State(States.NotAVersionedUpload)["Next"]);
    }

    [Fact]
    public void Record_failure_reads_only_paths_that_every_execution_has()
    {
        var parameters = State(States.RecordFailure)["Parameters"]!["Payload"]!.AsObject();

        // $$.Execution.Id and $$.Execution.Input always exist; $.failure is written by every way into RecordFailure.
        Assert.Equal(["executionId.$", "failure.$", "input.$"], parameters.Select(p => p.Key).Order());
        Assert.Equal("$$.Execution.Input", (string?)parameters["input.$"]);
    }

    [Fact]
    public void State_machine_is_standard_logs_everything_and_traces()
    {
        var machine = template.Resource("DocumentPipelineB796BC10")["Properties"]!;

        Assert.Equal("STANDARD", (string?)machine["StateMachineType"]);
        Assert.Equal("ALL", (string?)machine["LoggingConfiguration"]!["Level"]);
        Assert.True((bool)machine["LoggingConfiguration"]!["IncludeExecutionData"]!);
        Assert.True((bool)machine["TracingConfiguration"]!["Enabled"]!);
        Assert.All(template.OfType("AWS::Logs::LogGroup").Values, logGroup => Assert.Equal(30, (int)logGroup["Properties"]!["RetentionInDays"]!));
    }

    [Fact]
    public void Failed_and_timed_out_executions_and_waiting_dead_letters_alarm_to_the_encrypted_topic()
    {
        var alarms = template.OfType("AWS::CloudWatch::Alarm").Values.ToList();

        Assert.Equal(["ApproximateNumberOfMessagesVisible", "ExecutionsFailed", "ExecutionsTimedOut"], alarms.Select(alarm => (string)alarm["Properties"]!["MetricName"]!).Order());
        Assert.All(alarms, alarm =>
        {
            Assert.Equal(1, (double)alarm["Properties"]!["Threshold"]!);
            Assert.Equal("${AlarmTopicD01E77F9}", TemplateQuery.Render(alarm["Properties"]!["AlarmActions"]![0]));
        });
        Assert.NotNull(template.Resource("AlarmTopicD01E77F9")["Properties"]!["KmsMasterKeyId"]);
    }

    // Renaming any of these replaces the resource, and with it the documents, results, records or dead letters it holds.
    [Theory]
    [InlineData("InputBucket3BF8630A", "AWS::S3::Bucket", "Retain")]
    [InlineData("OutputBucket7114EB27", "AWS::S3::Bucket", "Retain")]
    [InlineData("AccessLogsBucket83982689", "AWS::S3::Bucket", "Retain")]
    [InlineData("DocumentTable9FE6D880", "AWS::DynamoDB::Table", "Retain")]
    [InlineData("DeadLetterQueue9F481546", "AWS::SQS::Queue", "Retain")]
    public void Stateful_resources_keep_their_logical_ids(string logicalId, string type, string deletionPolicy)
    {
        var resource = template.Resource(logicalId);

        Assert.Equal(type, (string?)resource["Type"]);
        Assert.Equal(deletionPolicy, (string?)resource["DeletionPolicy"]);
    }

    private void AssertEncryptedPrivateAndSslOnly(string bucketId)
    {
        var bucket = template.Resource(bucketId)["Properties"]!;
        var policy = template.OfType("AWS::S3::BucketPolicy").Values.Single(policy => TemplateQuery.Render(policy["Properties"]!["Bucket"]) == "${" + bucketId + "}");

        Assert.Equal("AES256", (string?)bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
        Assert.All(bucket["PublicAccessBlockConfiguration"]!.AsObject(), setting => Assert.True((bool)setting.Value!));
        Assert.Contains(policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray(), statement =>
            (string?)statement!["Effect"] == "Deny" && statement["Condition"]!.ToJsonString().Contains("\"aws:SecureTransport\":\"false\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Worker_image_is_built_from_its_dockerfile_with_only_the_libraries_and_the_worker_in_its_context()
    {
        var template = new ContainerTemplateQuery(app.HybridPipeline);
        var image = Assert.Single(template.DockerImageAssets());
        var context = Path.Combine(template.OutputDirectory, (string)image["directory"]!);

        Assert.Equal(HybridPipelineStack.WorkerDockerfile, (string?)image["dockerFile"]);
        Assert.Equal(["Directory.Build.props", "Directory.Packages.props", "containers", "lib"],
            Directory.EnumerateFileSystemEntries(context).Select(Path.GetFileName).Order().ToList());
        Assert.Equal(["Bedrock", "Documents", "Embeddings", "Pipeline"],
            Directory.EnumerateDirectories(Path.Combine(context, "lib")).Select(Path.GetFileName).Order().ToList());
        Assert.Equal(["BatchWorker"], Directory.EnumerateDirectories(Path.Combine(context, "containers")).Select(Path.GetFileName));
        Assert.False(Directory.Exists(Path.Combine(context, "containers", "BatchWorker", "bin")), "build output was copied into the image context");
    }

    [Fact]
    public void Template_matches_its_snapshot() => Snapshot.Verify(app.HybridPipeline);

    [Fact]
    public void Resources_that_hold_data_keep_their_logical_ids() =>
        Assert.Equal(
            [
                "AWS::DynamoDB::Table DocumentTable9FE6D880",
                "AWS::Logs::LogGroup AnalyzeFunctionLogs3ACC573E",
                "AWS::Logs::LogGroup ExecutionGateFunctionLogs5B9D4AE4",
                "AWS::Logs::LogGroup NetworkFlowLogs2BEC3212",
                "AWS::Logs::LogGroup PreprocessFunctionLogsBAFE5CB3",
                "AWS::Logs::LogGroup RecordFailureFunctionLogsF16B7180",
                "AWS::Logs::LogGroup StateMachineLogs3CB16D3C",
                "AWS::Logs::LogGroup StoreFunctionLogs2AB52BF1",
                "AWS::Logs::LogGroup WorkerLogsC1193B08",
                "AWS::S3::Bucket AccessLogsBucket83982689",
                "AWS::S3::Bucket InputBucket3BF8630A",
                "AWS::S3::Bucket OutputBucket7114EB27",
                "AWS::SQS::Queue DeadLetterQueue9F481546",
                "AWS::SQS::Queue UploadQueueA4421744",
            ],
            DataResources.LogicalIds(app.HybridPipeline));
}
