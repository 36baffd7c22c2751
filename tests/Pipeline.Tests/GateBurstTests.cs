using System.Text;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Testing.LocalAws;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// A burst of 1,000 uploads through the gate into the real state machine: the synthesized definition runs in
/// aws-local-stepfunctions (each Task calling the stand-in handlers over the local S3, DynamoDB and SQS), started by the
/// gate over the local StartExecution endpoint (SigV4, name rules, ExecutionAlreadyExists), with the limit at 10. The
/// number of executions running at once is measured from StartExecution's answer to the execution's end, and every
/// end frees its slot and wakes the gate, as the ExecutionEnded rule does. Each upload must end as exactly one result,
/// with no dead letter.
/// </summary>
[Trait("Category", "Slow")]
public sealed class GateBurstTests : IAsyncLifetime, IDisposable
{
    private const int Limit = 10;
    private const int Uploads = 1000;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(8));
    private readonly HttpClient _http = new();
    private readonly SemaphoreSlim _oneGateAtATime = new(1, 1);
    private readonly List<Task> _wakeUps = [];
    private LocalAwsServer _aws = null!;
    private StandInPipelineTasks _tasks = null!;
    private PipelineTaskHost _host = null!;
    private LocalStateMachine _stateMachine = null!;
    private LocalStepFunctions _stepFunctions = null!;
    private ExecutionGate _gate = null!;
    private Amazon.SQS.AmazonSQSClient _sqs = null!;
    private Amazon.DynamoDBv2.AmazonDynamoDBClient _dynamo = null!;
    private int _running;
    private int _mostAtOnce;

    public async Task InitializeAsync()
    {
        _aws = await LocalAwsServer.StartAsync(_timeout.Token);
        _tasks = new StandInPipelineTasks(_aws);
        var queueUrl = _aws.Sqs.CreateQueue(PipelineTemplate.Default.UploadQueue);
        _host = await PipelineTaskHost.StartAsync(_timeout.Token);
        _tasks.MapAll(_host);
        _stateMachine = new LocalStateMachine(PipelineDefinition.Json, _host.Url);
        _stepFunctions = await LocalStepFunctions.StartAsync(RunAsync, _timeout.Token);
        _sqs = LocalAwsClients.Sqs(_aws);
        _dynamo = LocalAwsClients.DynamoDb(_aws);
        var signer = new AwsRequestSigner(new StaticAwsCredentialSource(LocalStepFunctions.AccessKeyId, LocalStepFunctions.SecretAccessKey));
        var client = new StepFunctionsClient(_http, signer, PipelineDefinition.Region, _stepFunctions.Endpoint);
        _gate = new ExecutionGate(_sqs, new ExecutionSlots(_dynamo, PipelineTemplate.Default.Table), client,
            new ExecutionGateSettings(queueUrl, PipelineDefinition.StateMachineArn, Limit, TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5)).Validate());
    }

    public async Task DisposeAsync()
    {
        await _stepFunctions.DisposeAsync();
        await _host.DisposeAsync();
        await _aws.DisposeAsync();
    }

    public void Dispose()
    {
        _sqs.Dispose();
        _dynamo.Dispose();
        _stateMachine.Dispose();
        _tasks.Dispose();
        _http.Dispose();
        _oneGateAtATime.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task A_thousand_uploads_at_once_run_at_most_ten_at_a_time_and_each_ends_as_one_result()
    {
        var uploads = new List<LocalS3Object>();
        for (var i = 0; i < Uploads; i++)
        {
            var key = $"incoming/burst-{i:D4}.txt";
            var versionId = _aws.S3.PutObject(StandInPipelineTasks.InputBucket, key, Encoding.UTF8.GetBytes($"document {i}"), "text/plain");
            var stored = _aws.S3.GetObject(StandInPipelineTasks.InputBucket, key, versionId)!;
            uploads.Add(stored);
            // What the DocumentUploaded rule's queue target delivers: the event itself as the message body.
            await _sqs.SendMessageAsync(_aws.Sqs.CreateQueue(PipelineTemplate.Default.UploadQueue), ObjectCreatedEvent.For(stored).ToJsonString(), _timeout.Token);
        }

        // Each upload's own wake-up of the gate, one gate at a time (reserved concurrency 1).
        for (var i = 0; i < Uploads; i++)
        {
            await WakeGateAsync(endedExecution: null);
        }

        while (_stepFunctions.Started.Count < Uploads || Volatile.Read(ref _running) > 0)
        {
            await Task.Delay(100, _timeout.Token);
        }

        Task[] pending;
        lock (_wakeUps)
        {
            pending = [.. _wakeUps];
        }

        await Task.WhenAll(pending);
        var outcomes = await _stepFunctions.WhenIdleAsync();

        Assert.Equal(Uploads, _stepFunctions.Started.Count);
        Assert.All(outcomes, outcome => Assert.Equal("SUCCEEDED", outcome.Status));
        Assert.True(_mostAtOnce <= Limit, $"{_mostAtOnce} executions ran at once; the limit is {Limit}");
        Assert.Equal(Limit, _mostAtOnce);
        Assert.All(uploads, upload => Assert.Equal("COMPLETED",
            (string?)_aws.DynamoDb.GetItem(StandInPipelineTasks.Table, StandInPipelineTasks.DocumentId(upload.Bucket, upload.Key, upload.VersionId!))?["status"]?["S"]));
        Assert.Empty(_aws.Sqs.Messages(PipelineTemplate.Default.UploadQueue));
        Assert.Empty(_aws.Sqs.Messages(StandInPipelineTasks.DeadLetterQueue));
        var slots = await new ExecutionSlots(_dynamo, PipelineTemplate.Default.Table).ReadAsync(_timeout.Token);
        Assert.Equal((0, 0), (slots.Running, slots.Holders.Count));
    }

    private async Task<ExecutionOutcome> RunAsync(JsonNode input, string executionArn, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _running);
        lock (_wakeUps)
        {
            _mostAtOnce = Math.Max(_mostAtOnce, now);
        }

        try
        {
            return await _stateMachine.RunAsync(input, new LocalExecutionOptions(ExecutionId: executionArn), cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            // The ExecutionEnded rule: the execution's status change wakes the gate with its ARN.
            lock (_wakeUps)
            {
                _wakeUps.Add(WakeGateAsync(executionArn));
            }
        }
    }

    private async Task WakeGateAsync(string? endedExecution)
    {
        await _oneGateAtATime.WaitAsync(_timeout.Token);
        try
        {
            if (endedExecution is not null)
            {
                Assert.True(await _gate.ReleaseAsync(endedExecution, _timeout.Token), $"{endedExecution} held no slot when it ended");
            }

            await _gate.DrainAsync(_timeout.Token);
        }
        finally
        {
            _oneGateAtATime.Release();
        }
    }
}
