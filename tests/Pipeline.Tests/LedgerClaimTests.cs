using ReferenceArchitectures.Testing.LocalAws;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// The ledger's claim against DynamoDB's condition expressions: re-entrant for the execution that made it (a Step
/// Functions retry after a lost Lambda response must not turn into "duplicate" and strand the document), open to a
/// replay once the document FAILED or its claim outlived any execution, and closed to every other execution. Each test
/// runs twice: against the repository's local DynamoDB (<see cref="LedgerClaimTests"/>) and against dynalite, an
/// independent implementation of DynamoDB's API (<see cref="LedgerClaimOnDynaliteTests"/>).
/// </summary>
public abstract class LedgerClaimContract : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan ExecutionTimeout = TimeSpan.FromHours(2);
    private readonly MovableClock _clock = new();
    private readonly DocumentReference _document = DocumentReference.Create("in", "a.pdf", "v1");
    private Amazon.DynamoDBv2.IAmazonDynamoDB? _dynamo;
    private DocumentLedger? _ledger;

    /// <summary>Starts the DynamoDB endpoint, creates the table <c>ledger</c> (key <c>pk</c>) and returns a client for it.</summary>
    protected abstract Task<Amazon.DynamoDBv2.IAmazonDynamoDB> StartAsync();

    protected abstract ValueTask StopAsync();

    public async Task InitializeAsync()
    {
        _dynamo = await StartAsync();
        _ledger = new DocumentLedger(_dynamo, "ledger", _clock);
    }

    public async Task DisposeAsync() => await StopAsync();

    public void Dispose()
    {
        _dynamo?.Dispose();
        GC.SuppressFinalize(this);
    }

    private Task<bool> Claim(string execution) => _ledger!.TryClaimAsync(_document, execution, ExecutionTimeout, CancellationToken.None);

    [Fact]
    public async Task The_execution_that_claimed_may_claim_again_and_no_other_may()
    {
        Assert.True(await Claim("exec-1"));
        Assert.True(await Claim("exec-1"));
        Assert.False(await Claim("exec-2"));
        Assert.Equal(DocumentLedger.Processing, (await _ledger!.GetAsync(_document, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task A_failed_document_may_be_claimed_by_a_new_execution()
    {
        Assert.True(await Claim("exec-1"));
        await _ledger!.RecordFailureAsync(_document, "States.Timeout", "cause", CancellationToken.None);

        Assert.True(await Claim("exec-2"));
        Assert.False(await Claim("exec-3"));
    }

    [Fact]
    public async Task A_claim_older_than_the_execution_timeout_may_be_taken_over()
    {
        Assert.True(await Claim("exec-1"));
        _clock.Advance(ExecutionTimeout - TimeSpan.FromMinutes(1));
        Assert.False(await Claim("exec-2"));

        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await Claim("exec-2"));
        Assert.False(await Claim("exec-1"));
    }

    [Fact]
    public async Task A_completed_document_is_never_claimed_again_not_even_by_its_own_execution()
    {
        Assert.True(await Claim("exec-1"));
        await _ledger!.RejectAsync(_document, "not a document", CancellationToken.None);
        _clock.Advance(ExecutionTimeout * 2);

        Assert.False(await Claim("exec-1"));
        Assert.False(await Claim("exec-2"));
    }

    [Fact]
    public async Task Only_the_dead_execution_s_own_claim_is_released_for_a_replay()
    {
        Assert.True(await Claim("exec-1"));

        Assert.False(await _ledger!.ReleaseAsync(_document, "exec-0", CancellationToken.None));
        Assert.False(await Claim("exec-2"));
        Assert.True(await _ledger.ReleaseAsync(_document, "exec-1", CancellationToken.None));
        Assert.True(await Claim("exec-2"));
        Assert.False(await _ledger.ReleaseAsync(_document, "exec-1", CancellationToken.None));
    }

    [Fact]
    public async Task A_failure_reported_after_the_result_changes_nothing_and_reports_the_result()
    {
        Assert.True(await Claim("exec-1"));
        await _ledger!.RejectAsync(_document, "not a document", CancellationToken.None);

        var result = await _ledger.RecordFailureAsync(_document, "Lambda.ServiceException", "response lost", CancellationToken.None);

        Assert.Equal(DocumentLedger.RejectedStatus, result);
        Assert.Equal(DocumentLedger.RejectedStatus, (await _ledger.GetAsync(_document, CancellationToken.None))!.Status);
    }

    private sealed class MovableClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

/// <summary>The ledger against the repository's local DynamoDB (tests/LocalAws).</summary>
public sealed class LedgerClaimTests : LedgerClaimContract
{
    private LocalAwsServer? _aws;

    protected override async Task<Amazon.DynamoDBv2.IAmazonDynamoDB> StartAsync()
    {
        _aws = await LocalAwsServer.StartAsync();
        _aws.DynamoDb.CreateTable("ledger", "pk");
        return LocalAwsClients.DynamoDb(_aws);
    }

    protected override async ValueTask StopAsync()
    {
        if (_aws is not null)
        {
            await _aws.DisposeAsync();
        }
    }
}

/// <summary>The ledger against dynalite, an independent implementation of DynamoDB's API.</summary>
public sealed class LedgerClaimOnDynaliteTests : LedgerClaimContract
{
    private DynaliteServer? _dynalite;

    protected override async Task<Amazon.DynamoDBv2.IAmazonDynamoDB> StartAsync()
    {
        _dynalite = await DynaliteServer.StartAsync(CancellationToken.None);
        await _dynalite.CreateLedgerTableAsync("ledger", CancellationToken.None);
        return _dynalite.Client();
    }

    protected override async ValueTask StopAsync()
    {
        if (_dynalite is not null)
        {
            await _dynalite.DisposeAsync();
        }
    }
}
